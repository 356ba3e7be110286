/**
 * Elliptic envelope: robust (MinCovDet) squared Mahalanobis distance, float64. The graph also
 * outputs per-column contributions (they sum to the score); contributors are the largest
 * positive shares `contribution / score`, ties in input order, at most `topContributors`.
 */
import { z } from 'zod';
import { onnxElementBase } from '../schema.ts';
import type { Contribution } from '../types.ts';
import type { ElementKind } from './kind.ts';
import { OnnxRunner } from './onnx.ts';

const schema = onnxElementBase.extend({
  kind: z.literal('elliptic_envelope'),
  topContributors: z.int().min(0),
});
export type EllipticEnvelopeEntry = z.infer<typeof schema>;

export const ellipticEnvelope: ElementKind<EllipticEnvelopeEntry> = {
  kind: 'elliptic_envelope',
  schema,
  onnx: true,
  check(entry) {
    return entry.onnx.dtype === 'float64' ? [] : [`element ${entry.name}: the envelope graph is float64`];
  },
  async create(entry, context) {
    const runner = await OnnxRunner.create(entry, context, ['score', 'contributions']);
    const signals = entry.inputs;
    const f = signals.length;
    return {
      async evaluate(batch) {
        const run = await runner.run(batch);
        const contributions = run.outputs.contributions;
        return {
          raw: run.raw,
          missing: run.missing,
          contributors(i) {
            const score = run.raw[i] as number;
            const s = run.slot[i] as number;
            if (run.missing[i] !== null || !(score > 0) || contributions === undefined || s < 0) return [];
            return topContributors(signals, contributions, s * f, score, entry.topContributors);
          },
        };
      },
      close: () => runner.close(),
    };
  },
};

/** Positive weights `values[at + j] / total`, largest first, ties in input order, at most `top`. */
export function topContributors(
  signals: readonly string[],
  values: ArrayLike<number>,
  at: number,
  total: number,
  top: number,
): Contribution[] {
  const out: Contribution[] = [];
  for (let j = 0; j < signals.length; j++) {
    const weight = (values[at + j] as number) / total;
    if (weight > 0) out.push({ signal: signals[j] as string, weight });
  }
  out.sort((a, b) => b.weight - a.weight); // stable: ties keep input order
  if (out.length > top) out.length = top;
  return out;
}
