/**
 * zod schemas of the parts of a `vigil.module/v1` manifest that element kinds share
 * (docs/bundle-format.md; the JSON Schema twin is schemas/bundle/manifest.schema.json).
 * Objects are strict where the JSON Schema says `additionalProperties: false`.
 */
import { z } from 'zod';

export const columnName = z.string().min(1);
export const elementName = z.string().regex(/^[A-Za-z0-9_-]+$/, 'must match [A-Za-z0-9_-]+');

export const calibrationSchema = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('identity') }),
  z.strictObject({ method: z.literal('ecdf'), knots: z.array(z.number()).min(2) }),
]);
export type Calibration = z.infer<typeof calibrationSchema>;

export const onnxDtype = z.enum(['float32', 'float64']);
export type OnnxDtype = z.infer<typeof onnxDtype>;

export const onnxSpecSchema = z.strictObject({
  path: z.string().regex(/^elements\/[A-Za-z0-9_.-]+\.onnx$/, 'must be elements/<name>.onnx'),
  input: z.string().min(1),
  dtype: onnxDtype,
  /** role → graph output name; `score` is required, other roles are per kind. */
  outputs: z.object({ score: z.string().min(1) }).catchall(z.string().min(1)),
});
export type OnnxSpec = z.infer<typeof onnxSpecSchema>;

/** Fields every element has; a kind extends this with a literal `kind` and its own fields. */
export const elementBase = z.strictObject({
  name: elementName,
  kind: z.string(),
  inputs: z.array(columnName),
  calibration: calibrationSchema,
});
export type ElementEntryBase = z.infer<typeof elementBase>;

/** A base for kinds that run an ONNX graph. */
export const onnxElementBase = elementBase.extend({ onnx: onnxSpecSchema });
export type OnnxElementEntry = z.infer<typeof onnxElementBase>;
