/** Isolation forest (skl2onnx, float32): score = -score_samples, higher = more anomalous. No contributors. */
import { z } from 'zod';
import { onnxElementBase } from '../schema.ts';
import type { ElementKind } from './kind.ts';
import { OnnxRunner } from './onnx.ts';

const schema = onnxElementBase.extend({ kind: z.literal('isolation_forest') });
export type IsolationForestEntry = z.infer<typeof schema>;

export const isolationForest: ElementKind<IsolationForestEntry> = {
  kind: 'isolation_forest',
  schema,
  onnx: true,
  check: () => [],
  async create(entry, context) {
    const runner = await OnnxRunner.create(entry, context, ['score']);
    return {
      async evaluate(batch) {
        const run = await runner.run(batch);
        return { raw: run.raw, missing: run.missing, contributors: () => [] };
      },
      close: () => runner.close(),
    };
  },
};
