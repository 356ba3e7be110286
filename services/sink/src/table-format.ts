import { textTable } from '@vigil/table';

/** One column of an aligned text table. */
export interface Column<R> {
  header: string;
  value: (row: R) => unknown;
}

const MAX_CELL = 60;

/**
 * A value as a table cell: times as ISO 8601 UTC, missing as `-`, fractions
 * to 4 decimals, objects as compact JSON, anything longer than 60 characters
 * cut with `…` (`--json` prints everything in full).
 */
export function formatCell(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = '-';
  else if (value instanceof Date) text = value.toISOString();
  else if (typeof value === 'number') text = Number.isInteger(value) ? String(value) : String(Number(value.toFixed(4)));
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

/** Rows under a header, each column as wide as its widest cell; numbers right-aligned. */
export function formatTable<R>(columns: readonly Column<R>[], rows: readonly R[]): string {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const align = columns.map((_, i) =>
    cells.some((r) => typeof r[i] === 'number') && cells.every((r) => r[i] == null || typeof r[i] === 'number')
      ? 'right'
      : 'left',
  );
  return textTable(
    columns.map((c) => c.header),
    cells.map((r) => r.map(formatCell)),
    { align },
  );
}
