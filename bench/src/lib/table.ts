export type Cell = string | number | undefined;

export interface Column<Row> {
  header: string;
  /** Numbers are right-aligned, text left-aligned. */
  align?: 'left' | 'right';
  cell: (row: Row) => Cell;
}

/** A number with thousands separators and `digits` decimals; `–` when unknown. */
export function formatNumber(value: number | undefined, digits = 0): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A Markdown table whose columns are padded to line up in a terminal too. */
export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  const text = rows.map((row) => columns.map((column) => String(column.cell(row) ?? '–')));
  const widths = columns.map((column, c) =>
    Math.max(3, column.header.length, ...text.map((cells) => (cells[c] as string).length)),
  );
  const pad = (value: string, c: number) =>
    columns[c]?.align === 'right' ? value.padStart(widths[c] as number) : value.padEnd(widths[c] as number);
  const line = (cells: string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = widths.map((width, c) =>
    columns[c]?.align === 'right' ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width),
  );
  return [line(columns.map((column) => column.header)), `| ${rule.join(' | ')} |`, ...text.map(line)].join('\n');
}
