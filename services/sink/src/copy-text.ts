import type { Cell } from './tables.ts';

/**
 * One cell in PostgreSQL's COPY text format: `\N` for NULL, `t`/`f` for
 * booleans, numbers as JavaScript prints them (`NaN` and `Infinity` are what
 * float8 input expects), text with back-slash, tab, newline and carriage return
 * escaped, the only characters the format gives a meaning.
 */
export function copyTextCell(cell: Cell): string {
  if (cell === null) return '\\N';
  if (typeof cell === 'boolean') return cell ? 't' : 'f';
  if (typeof cell === 'number') return String(cell);
  return /[\\\t\n\r]/.test(cell) ? cell.replace(/[\\\t\n\r]/g, escapeChar) : cell;
}

function escapeChar(char: string): string {
  switch (char) {
    case '\\':
      return '\\\\';
    case '\t':
      return '\\t';
    case '\n':
      return '\\n';
    default:
      return '\\r';
  }
}

/** One row: cells separated by tabs, ended by a newline. */
export function copyTextRow(cells: readonly Cell[]): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) line += '\t';
    line += copyTextCell(cells[i] as Cell);
  }
  return `${line}\n`;
}
