import type { schemas } from '@vigil/control-api';
import picomatch from 'picomatch';
import type { z } from 'zod';

type MarkupInput = z.output<typeof schemas.MarkupInput>;
export type MarkupIssue = { path: string; message: string };

/**
 * The rules a markup obeys beyond its shape: every interval ends after it
 * starts ([from, to), so `to` is exclusive); two intervals of the same kind do
 * not overlap (touching is fine: one's `to` may be the next one's `from`);
 * intervals of different kinds may overlap, and where they do `excluded` wins
 * when data is selected; a pattern scope compiles as a glob; entities and
 * signals are not repeated.
 */
export function markupIssues(markup: MarkupInput): MarkupIssue[] {
  const issues: MarkupIssue[] = [];
  const spans = markup.intervals.map((interval, index) => ({
    index,
    kind: interval.kind,
    from: Date.parse(interval.from),
    to: Date.parse(interval.to),
  }));
  for (const span of spans) {
    if (!(span.to > span.from)) issues.push({ path: `intervals.${span.index}.to`, message: 'must be after from' });
  }
  const byKind = new Map<string, typeof spans>();
  for (const span of spans) {
    if (!(span.to > span.from)) continue;
    const list = byKind.get(span.kind);
    if (list) list.push(span);
    else byKind.set(span.kind, [span]);
  }
  for (const [kind, list] of byKind) {
    list.sort((a, b) => a.from - b.from || a.index - b.index);
    // Against the interval reaching furthest so far, not only the one before: [0,100) overlaps [30,40) after [10,20).
    let reach = list[0];
    for (const current of list.slice(1)) {
      if (reach && current.from < reach.to) {
        issues.push({
          path: `intervals.${current.index}`,
          message: `overlaps interval ${reach.index} of the same kind (${kind})`,
        });
      }
      if (!reach || current.to > reach.to) reach = current;
    }
  }
  if (markup.scope.kind === 'pattern') {
    try {
      picomatch(markup.scope.pattern, { strictBrackets: true });
    } catch (error) {
      issues.push({ path: 'scope.pattern', message: `not a glob: ${(error as Error).message}` });
    }
  }
  if (markup.scope.kind === 'entities') issues.push(...repeats(markup.scope.entities, 'scope.entities'));
  if (markup.signals) issues.push(...repeats(markup.signals, 'signals'));
  return issues;
}

function repeats(values: readonly string[], path: string): MarkupIssue[] {
  const seen = new Set<string>();
  const issues: MarkupIssue[] = [];
  values.forEach((value, index) => {
    if (seen.has(value)) issues.push({ path: `${path}.${index}`, message: `"${value}" is listed twice` });
    seen.add(value);
  });
  return issues;
}
