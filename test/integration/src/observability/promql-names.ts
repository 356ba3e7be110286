/**
 * Just enough PromQL reading to check dashboards against a real Prometheus:
 * the metric names an expression selects, the labels a legend uses, and the
 * Grafana variables replaced the way Grafana would with "All" selected.
 * Prometheus itself parses every expression (the tests query it); this only
 * finds names, so it does not need a grammar.
 */

/** Values Grafana gives its built-in interval variables, and "All" (`.*`) for every dashboard variable. */
export const BUILTIN_VARIABLES: Readonly<Record<string, string>> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
};

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** `$name`, `${name}`, `${name:format}` and `[[name]]`: built-ins get their value, any other variable `.*`. */
export function substituteVariables(expr: string, builtins = BUILTIN_VARIABLES): string {
  return expr.replace(
    /\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g,
    (_match, braced: string | undefined, bare: string | undefined, bracketed: string | undefined) => {
      const name = braced ?? bare ?? bracketed ?? '';
      return builtins[name] ?? '.*';
    },
  );
}

/** The expression with string literals, label matchers, ranges and grouping label lists blanked out. */
function skeleton(expr: string): string {
  return expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
}

/**
 * Metric names selected by a PromQL expression, in order of appearance,
 * each once. Functions and aggregations (an identifier followed by `(`),
 * keywords, label names and numbers are not metric names.
 */
export function metricNames(expr: string): string[] {
  if (/\{[^}]*__name__/.test(expr)) throw new Error(`selecting by __name__ is not supported here: ${expr}`);
  const text = skeleton(expr);
  const names: string[] = [];
  for (const match of text.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = match[0];
    const start = match.index;
    const before = start > 0 ? text[start - 1] : '';
    if (before !== undefined && /[0-9.]/.test(before)) continue; // 1e3, 0.5e-3, 5m
    const after = text.slice(start + name.length).trimStart();
    if (after.startsWith('(')) continue;
    if (KEYWORDS.has(name.toLowerCase())) continue;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** Label names a Grafana legend format refers to: `{{stage}} ← {{topic}}` → stage, topic. */
export function legendLabels(legend: string | undefined): string[] {
  if (legend === undefined || legend === '__auto') return [];
  return [...legend.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1] as string);
}

/** Histogram and summary series names belong to the family they were declared as. */
export function familyOf(name: string): string {
  return name.replace(/_(bucket|sum|count)$/, '');
}

/** `label_values(selector, label)` or `label_values(label)`, as Grafana's Prometheus variables write them. */
export function parseLabelValues(query: string): { selector: string | undefined; label: string } {
  const match = /^\s*label_values\(\s*(?:(.*\S)\s*,\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$/.exec(query);
  if (!match) throw new Error(`not a label_values() variable query: ${query}`);
  return { selector: match[1], label: match[2] as string };
}
