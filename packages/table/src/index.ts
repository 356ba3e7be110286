/**
 * Plain text tables for terminals (the store CLI, the demo report, `./vigil kafka`): columns
 * separated by two spaces, no borders, an optional dashed rule under the header. Laid out by
 * the `table` package, which measures wide characters (CJK, emoji) by their terminal width.
 */
import { type BorderConfig, getBorderCharacters, table } from 'table';

export type Align = 'left' | 'right';

export interface TextTableOptions {
  /** Alignment by column index; left when absent. */
  align?: readonly (Align | undefined)[];
  /** A dashed rule under the header (default true). */
  rule?: boolean;
}

const RULE = { body: '-', join: '  ' };
// Only the line under the header is ever drawn; with no rows that line is the bottom one.
const BORDER: BorderConfig = {
  ...getBorderCharacters('void'),
  bodyJoin: '  ',
  joinBody: RULE.body,
  joinJoin: RULE.join,
  bottomBody: RULE.body,
  bottomJoin: RULE.join,
};

// `table` refuses control characters; a cell stays on its row's line.
const CONTROL = /\p{Cc}/gu;

/** `header` above `rows` (cells already formatted), each column as wide as its widest cell. */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: TextTableOptions = {},
): string {
  const rule = options.rule ?? true;
  const data = [header, ...rows].map((row) => header.map((_, i) => (row[i] ?? '').replace(CONTROL, ' ')));
  const text = table(data, {
    border: BORDER,
    columnDefault: { paddingLeft: 0, paddingRight: 0 },
    columns: header.map((_, i) => ({ alignment: options.align?.[i] ?? 'left' })),
    drawHorizontalLine: (index) => rule && index === 1,
  });
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n+$/, '');
}
