/**
 * Online element: learns each entity's level as its records arrive (no ONNX). Per entity and
 * input column an exponentially weighted mean and variance (weight `alpha`) and a count of
 * finite values; a record is scored before it joins the state: z = (x − m) / max(√v, minStd)
 * over columns with a finite value and at least `warmup` values seen, raw = √(mean z²).
 * None: WARMING_UP (NON_FINITE_INPUT when no value is finite). The arithmetic of
 * vigil_science.elements.online, record by record (docs/bundle-format.md, "Online element").
 */
import { z } from 'zod';
import { EntityMap } from '../entity-map.ts';
import { elementBase } from '../schema.ts';
import { MissingReason } from '../types.ts';
import { topContributors } from './elliptic-envelope.ts';
import type { ElementKind, ElementState } from './kind.ts';

const schema = elementBase.extend({
  kind: z.literal('online'),
  alpha: z.number().gt(0).lt(1),
  warmup: z.int().min(1),
  minStd: z.number().gt(0),
  topContributors: z.int().min(0),
});
export type OnlineEntry = z.infer<typeof schema>;

export const WARMING_UP = 'WARMING_UP';

/** One entity: per column, values seen, mean, variance (JSON-ready). */
interface Columns {
  n: number[];
  m: number[];
  v: number[];
}

class OnlineState implements ElementState {
  readonly #width: number;
  readonly #entities: EntityMap<Columns>;

  constructor(width: number, maxEntities: number) {
    this.#width = width;
    this.#entities = new EntityMap(maxEntities);
  }

  get size(): number {
    return this.#entities.size;
  }

  use(entity: string): Columns {
    const f = this.#width;
    return this.#entities.use(entity, () => ({
      n: new Array(f).fill(0),
      m: new Array(f).fill(0),
      v: new Array(f).fill(0),
    }));
  }

  export(only?: readonly string[]): Record<string, unknown> {
    return this.#entities.snapshot(only, (s) => ({ n: [...s.n], m: [...s.m], v: [...s.v] }));
  }

  import(entities: Readonly<Record<string, unknown>>): number {
    let restored = 0;
    for (const [entity, snap] of Object.entries(entities)) {
      const s = snap as Partial<Columns> | null;
      const f = this.#width;
      const ok = (a: unknown): a is number[] =>
        Array.isArray(a) && a.length === f && a.every((x) => typeof x === 'number');
      if (s === null || typeof s !== 'object' || !ok(s.n) || !ok(s.m) || !ok(s.v)) continue; // another shape: start fresh
      this.#entities.delete(entity);
      const into = this.use(entity);
      into.n.splice(0, f, ...s.n);
      into.m.splice(0, f, ...s.m);
      into.v.splice(0, f, ...s.v);
      restored++;
    }
    return restored;
  }

  clear(): void {
    this.#entities.clear();
  }
}

export const online: ElementKind<OnlineEntry> = {
  kind: 'online',
  schema,
  onnx: false,
  warmup: (entry) => entry.warmup,
  check: () => [],
  async create(entry, context) {
    const cols = Int32Array.from(entry.inputs, (c) => context.columnIndex.get(c) ?? -1);
    const f = cols.length;
    const { alpha, warmup, minStd } = entry;
    let raw = new Float64Array(0);
    let zsq = new Float64Array(0); // n × f squared z-scores (NaN where not scored)
    const missing: (string | null)[] = [];
    return {
      newState: (maxEntities) => new OnlineState(f, maxEntities),
      async evaluate({ n, width, rows, entities }, state) {
        if (!(state instanceof OnlineState)) throw new Error(`element ${entry.name}: the online kind needs its state`);
        if (raw.length < n) {
          raw = new Float64Array(Math.max(n, raw.length * 2));
          zsq = new Float64Array(raw.length * f);
        }
        missing.length = n;
        for (let i = 0; i < n; i++) {
          const s = state.use(entities[i] as string);
          const at = i * width;
          let total = 0;
          let scored = 0;
          let finite = 0;
          for (let c = 0; c < f; c++) {
            const x = rows[at + (cols[c] as number)] as number;
            zsq[i * f + c] = Number.NaN;
            if (!Number.isFinite(x)) continue;
            finite++;
            if ((s.n[c] as number) >= warmup) {
              const zc = (x - (s.m[c] as number)) / Math.max(Math.sqrt(s.v[c] as number), minStd);
              zsq[i * f + c] = zc * zc;
              total += zc * zc;
              scored++;
            }
          }
          if (scored > 0) {
            raw[i] = Math.sqrt(total / scored);
            missing[i] = null;
          } else {
            raw[i] = Number.NaN;
            missing[i] = finite > 0 ? WARMING_UP : MissingReason.NON_FINITE_INPUT;
          }
          for (let c = 0; c < f; c++) {
            const x = rows[at + (cols[c] as number)] as number;
            if (!Number.isFinite(x)) continue;
            if (s.n[c] === 0) {
              s.m[c] = x;
              s.v[c] = 0;
            } else {
              const d = x - (s.m[c] as number);
              s.m[c] = (s.m[c] as number) + alpha * d;
              s.v[c] = (1 - alpha) * ((s.v[c] as number) + alpha * d * d);
            }
            s.n[c] = (s.n[c] as number) + 1;
          }
        }
        return {
          raw: raw.subarray(0, n),
          missing,
          contributors(i) {
            const total = raw[i] as number;
            if (missing[i] !== null || !(total > 0)) return [];
            let sum = 0;
            for (let c = 0; c < f; c++) {
              const v = zsq[i * f + c] as number;
              if (!Number.isNaN(v)) sum += v;
            }
            // weights z²/Σz² over the scored columns, summed in input order as the kit does
            const weights = Float64Array.from({ length: f }, (_, c) => (zsq[i * f + c] as number) / sum);
            return topContributors(entry.inputs, weights, 0, 1, entry.topContributors);
          },
        };
      },
      async close() {},
    };
  },
};
