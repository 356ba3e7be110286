/** Predictive: a regressor forecasts the target (last input) from the others; score = |error| / errorScale. */
import { z } from 'zod';
import { columnName, onnxElementBase } from '../schema.ts';
import type { Contribution } from '../types.ts';
import type { ElementKind } from './kind.ts';
import { OnnxRunner } from './onnx.ts';

const schema = onnxElementBase.extend({
  kind: z.literal('predictive'),
  target: columnName,
  model: z.string().min(1),
  errorScale: z.number().positive(),
});
export type PredictiveEntry = z.infer<typeof schema>;

export const predictive: ElementKind<PredictiveEntry> = {
  kind: 'predictive',
  schema,
  onnx: true,
  check(entry) {
    return entry.inputs.at(-1) === entry.target ? [] : [`element ${entry.name}: the target must be the last input`];
  },
  async create(entry, context) {
    const runner = await OnnxRunner.create(entry, context, ['score']);
    const target: Contribution[] = [{ signal: entry.target, weight: 1 }];
    return {
      async evaluate(batch) {
        const run = await runner.run(batch);
        return {
          raw: run.raw,
          missing: run.missing,
          contributors: (i) => (run.missing[i] === null ? target.map((c) => ({ ...c })) : []),
        };
      },
      close: () => runner.close(),
    };
  },
};
