/**
 * The ONNX contract shared by trainable kinds (docs/bundle-format.md, "ONNX contract"):
 * one input [N, F] of the declared dtype, a `score` output [N, 1]; records whose input
 * vector is not finite are not run (NON_FINITE_INPUT), a non-finite score is NON_FINITE_SCORE.
 * One `session.run` per batch; the input buffer is reused between batches.
 */
import { VigilError } from '@vigil/errors';
import * as ort from 'onnxruntime-node';
import type { OnnxElementEntry } from '../schema.ts';
import { MissingReason } from '../types.ts';
import type { ElementBatch, ElementContext } from './kind.ts';

type Buffer = Float32Array | Float64Array;

/** One batch through the graph. `slot[i]` is record i's row in `outputs` (-1 when it was not run). */
export interface OnnxRun {
  readonly raw: Float64Array;
  readonly missing: (string | null)[];
  readonly slot: Int32Array;
  readonly outputs: Readonly<Record<string, Buffer>>;
}

const ORT_TYPE = { float32: 'tensor(float)', float64: 'tensor(double)' } as const;

/** Session options: the caller's, with one intra-op and one inter-op thread, sequential execution. */
export function sessionOptions(extra: ort.InferenceSession.SessionOptions = {}): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    ...extra,
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  };
}

export class OnnxRunner {
  readonly #entry: OnnxElementEntry;
  readonly #session: ort.InferenceSession;
  readonly #columns: Int32Array;
  readonly #fetch: string[];
  readonly #roles: [role: string, output: string][];
  #x: Buffer;
  #slot = new Int32Array(0);
  #raw = new Float64Array(0);
  #missing: (string | null)[] = [];

  private constructor(entry: OnnxElementEntry, session: ort.InferenceSession, columns: Int32Array, roles: string[]) {
    this.#entry = entry;
    this.#session = session;
    this.#columns = columns;
    this.#roles = roles.map((role) => [role, entry.onnx.outputs[role] as string]);
    this.#fetch = this.#roles.map(([, output]) => output);
    this.#x = entry.onnx.dtype === 'float32' ? new Float32Array(0) : new Float64Array(0);
  }

  /** Loads the graph and checks it against the entry; `roles` are the outputs this kind reads (score first). */
  static async create(entry: OnnxElementEntry, context: ElementContext, roles: string[]): Promise<OnnxRunner> {
    const bytes = context.files.get(entry.onnx.path);
    if (bytes === undefined) {
      throw new VigilError('VIGIL_BUNDLE_INVALID', `element ${entry.name}: ${entry.onnx.path} is not in the bundle`, {
        element: entry.name,
      });
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, context.sessionOptions);
    } catch (cause) {
      throw new VigilError(
        'VIGIL_BUNDLE_INVALID',
        `element ${entry.name}: onnxruntime cannot load ${entry.onnx.path} (${(cause as Error).message})`,
        { cause, element: entry.name },
      );
    }
    const problem = checkSession(entry, session, roles);
    if (problem !== undefined) {
      await session.release();
      throw new VigilError('VIGIL_BUNDLE_INVALID', `element ${entry.name}: ${problem}`, { element: entry.name });
    }
    const columns = Int32Array.from(entry.inputs, (c) => context.columnIndex.get(c) ?? -1);
    return new OnnxRunner(entry, session, columns, roles);
  }

  async run(batch: ElementBatch): Promise<OnnxRun> {
    const { n, width, rows } = batch;
    const f = this.#columns.length;
    this.#ensure(n, f);
    const x = this.#x;
    const slot = this.#slot;
    const raw = this.#raw;
    const missing = this.#missing;
    missing.length = n;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const base = i * width;
      const at = k * f;
      let finite = true;
      for (let j = 0; j < f; j++) {
        const v = rows[base + (this.#columns[j] as number)] as number;
        if (!Number.isFinite(v)) {
          finite = false;
          break;
        }
        x[at + j] = v; // Float32Array rounds to nearest, as numpy's astype(float32)
      }
      if (finite) {
        slot[i] = k++;
        missing[i] = null;
      } else {
        slot[i] = -1;
        missing[i] = MissingReason.NON_FINITE_INPUT;
        raw[i] = Number.NaN;
      }
    }
    const outputs: Record<string, Buffer> = {};
    if (k > 0) {
      const tensor = new ort.Tensor(this.#entry.onnx.dtype, x.subarray(0, k * f), [k, f]);
      const result = await this.#session.run({ [this.#entry.onnx.input]: tensor }, this.#fetch);
      for (const [role, output] of this.#roles) outputs[role] = (result[output] as ort.Tensor).data as Buffer;
      const score = outputs.score as Buffer;
      for (let i = 0; i < n; i++) {
        const s = slot[i] as number;
        if (s < 0) continue;
        const v = score[s] as number;
        if (Number.isFinite(v)) {
          raw[i] = v;
        } else {
          raw[i] = Number.NaN;
          missing[i] = MissingReason.NON_FINITE_SCORE;
        }
      }
    }
    return { raw: raw.subarray(0, n), missing, slot, outputs };
  }

  close(): Promise<void> {
    return this.#session.release();
  }

  #ensure(n: number, f: number): void {
    if (this.#raw.length < n) {
      const cap = Math.max(n, this.#raw.length * 2, 16);
      this.#raw = new Float64Array(cap);
      this.#slot = new Int32Array(cap);
      this.#x = this.#entry.onnx.dtype === 'float32' ? new Float32Array(cap * f) : new Float64Array(cap * f);
    }
  }
}

function checkSession(entry: OnnxElementEntry, session: ort.InferenceSession, roles: string[]): string | undefined {
  const { input, dtype, outputs } = entry.onnx;
  const want = ORT_TYPE[dtype];
  const inputs = session.inputMetadata;
  const only = inputs[0];
  const shape = only?.isTensor ? only.shape : [];
  if (
    inputs.length !== 1 ||
    only?.name !== input ||
    !only.isTensor ||
    only.type !== dtype ||
    shape[1] !== entry.inputs.length
  ) {
    return `the ONNX graph must take one ${want} input '${input}' of width ${entry.inputs.length}`;
  }
  const names = new Set(session.outputNames);
  const absent = Object.values(outputs).filter((o) => !names.has(o));
  if (absent.length > 0) return `the ONNX graph lacks outputs ${absent.join(', ')}`;
  const undeclared = roles.filter((r) => outputs[r] === undefined);
  if (undeclared.length > 0) return `onnx.outputs must declare ${undeclared.join(', ')}`;
  return undefined;
}
