import { markdownTable } from 'markdown-table';

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

/**
 * A Markdown table (alignment row `---:` for right-aligned columns) whose columns are padded to
 * line up in a terminal too, as pasted into docs/benchmarks.md.
 */
export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  return markdownTable(
    [
      columns.map((column) => column.header),
      ...rows.map((row) => columns.map((column) => String(column.cell(row) ?? '–'))),
    ],
    { align: columns.map((column) => (column.align === 'right' ? 'r' : '')) },
  );
}
