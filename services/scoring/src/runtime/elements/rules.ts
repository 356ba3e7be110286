/**
 * Diagnostic rules: no training, no graph. raw = the largest `score` of the rules whose `when`
 * holds, else 0; contributors = the rules that fired, by score descending (ties: manifest order).
 * Never missing: NaN has defined semantics in the language.
 */
import { VigilError } from '@vigil/errors';
import { z } from 'zod';
import { type BooleanFn, compileExpr, RuleError } from '../rules.ts';
import { elementBase } from '../schema.ts';
import type { Contribution } from '../types.ts';
import type { ElementKind } from './kind.ts';

const schema = elementBase.extend({
  kind: z.literal('rules'),
  rules: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        when: z.json(),
        score: z.number().gt(0).max(1),
      }),
    )
    .min(1),
});
export type RulesEntry = z.infer<typeof schema>;

interface CompiledRule {
  readonly name: string;
  readonly score: number;
  readonly when: BooleanFn;
}

function compileRules(
  entry: RulesEntry,
  columns: ReadonlyMap<string, number>,
): { rules: CompiledRule[]; problems: string[] } {
  const rules: CompiledRule[] = [];
  const problems: string[] = [];
  const names = new Set<string>();
  for (const r of entry.rules) {
    if (names.has(r.name)) problems.push(`element ${entry.name}: rule names must be unique (${r.name})`);
    names.add(r.name);
    try {
      const compiled = compileExpr(r.when, columns);
      if (compiled.type !== 'boolean') throw new RuleError('`when` must be a boolean expression');
      rules.push({ name: r.name, score: r.score, when: compiled.fn });
    } catch (error) {
      if (!(error instanceof RuleError)) throw error;
      problems.push(`element ${entry.name}: rule ${r.name}: ${error.message}`);
    }
  }
  return { rules, problems };
}

export const rules: ElementKind<RulesEntry> = {
  kind: 'rules',
  schema,
  onnx: false,
  check(entry, columns) {
    return compileRules(entry, new Map([...columns].map((c, i) => [c, i]))).problems;
  },
  async create(entry, context) {
    const { rules: compiled, problems } = compileRules(entry, context.columnIndex);
    if (problems.length > 0) throw new VigilError('VIGIL_BUNDLE_INVALID', problems.join('; '), { element: entry.name });
    let raw = new Float64Array(0);
    let fired = new Uint8Array(0); // n × rules: 1 where rule k fired on record i
    const missing: null[] = [];
    const m = compiled.length;
    return {
      async evaluate({ n, width, rows }) {
        if (raw.length < n) {
          raw = new Float64Array(Math.max(n, raw.length * 2));
          fired = new Uint8Array(raw.length * m);
        }
        missing.length = n;
        missing.fill(null);
        for (let i = 0; i < n; i++) {
          const at = i * width;
          let best = 0;
          for (let k = 0; k < m; k++) {
            const rule = compiled[k] as CompiledRule;
            const hit = rule.when(rows, at);
            fired[i * m + k] = hit ? 1 : 0;
            if (hit && rule.score > best) best = rule.score;
          }
          raw[i] = best;
        }
        return {
          raw: raw.subarray(0, n),
          missing,
          contributors(i) {
            const out: Contribution[] = [];
            for (let k = 0; k < m; k++) {
              const rule = compiled[k] as CompiledRule;
              if (fired[i * m + k] === 1) out.push({ signal: rule.name, weight: rule.score });
            }
            return out.sort((a, b) => b.weight - a.weight);
          },
        };
      },
      async close() {},
    };
  },
};
