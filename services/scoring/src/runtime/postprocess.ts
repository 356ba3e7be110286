/**
 * Optional post-processing of the module's calibrated score (docs/bundle-format.md,
 * "Post-processing"), the arithmetic of vigil_science.postprocess record by record.
 *
 * `likelihood`: per entity, the Gaussian CDF of the z-score of the mean of its last
 * `shortWindow` calibrated scores under its long-run score distribution (exponentially
 * weighted mean and variance, weight `longAlpha`), the long run updated after each record.
 * The first `warmup` scored records of an entity pass their calibrated score through.
 */
import { z } from 'zod';
import { EntityMap } from './entity-map.ts';

export const postprocessSchema = z.strictObject({
  method: z.literal('likelihood'),
  shortWindow: z.int().min(1),
  longAlpha: z.number().gt(0).lt(1),
  warmup: z.int().min(0),
  minStd: z.number().gt(0),
});
export type Postprocess = z.infer<typeof postprocessSchema>;

/** One entity's likelihood state, JSON-ready: records counted, long-run mean and variance, recent scores oldest first. */
export interface LikelihoodSnapshot {
  n: number;
  mean: number;
  var: number;
  recent: number[];
}

/**
 * erfc with a fractional error below 1.2e-7 everywhere (the Chebyshev fit of Numerical Recipes'
 * `erfcc`): the likelihood 1 − erfc(z/√2)/2 is then within 1.2e-7 of Python's `math.erfc`.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

class EntityLikelihood {
  n = 0;
  mean = 0;
  var = 0;
  readonly recent: number[] = [];

  step(spec: Postprocess, c: number): number {
    this.recent.push(c);
    if (this.recent.length > spec.shortWindow) this.recent.shift();
    this.n++;
    let out = c;
    if (this.n > spec.warmup) {
      let total = 0;
      for (const v of this.recent) total += v; // oldest to newest, as the kit
      const zscore = (total / this.recent.length - this.mean) / Math.max(Math.sqrt(this.var), spec.minStd);
      out = 1 - 0.5 * erfc(zscore / Math.SQRT2);
    }
    if (this.n === 1) {
      this.mean = c;
      this.var = 0;
    } else {
      const d = c - this.mean;
      this.mean = this.mean + spec.longAlpha * d;
      this.var = (1 - spec.longAlpha) * (this.var + spec.longAlpha * d * d);
    }
    return out;
  }
}

export class LikelihoodStore {
  readonly spec: Postprocess;
  readonly #entities: EntityMap<EntityLikelihood>;

  constructor(spec: Postprocess, maxEntities: number) {
    this.spec = spec;
    this.#entities = new EntityMap(maxEntities);
  }

  get size(): number {
    return this.#entities.size;
  }

  /** The post-processed score of the entity's next calibrated score; NaN (missing) passes and does not count. */
  step(entity: string, calibrated: number): number {
    if (Number.isNaN(calibrated)) return calibrated;
    return this.#entities.use(entity, () => new EntityLikelihood()).step(this.spec, calibrated);
  }

  clear(): void {
    this.#entities.clear();
  }

  export(only?: Iterable<string>): Record<string, LikelihoodSnapshot> {
    return this.#entities.snapshot(only, (s) => ({ n: s.n, mean: s.mean, var: s.var, recent: [...s.recent] }));
  }

  import(entities: Readonly<Record<string, LikelihoodSnapshot>>): number {
    let restored = 0;
    for (const [entity, snap] of Object.entries(entities)) {
      this.#entities.delete(entity);
      const s = this.#entities.use(entity, () => new EntityLikelihood());
      s.n = snap.n;
      s.mean = snap.mean;
      s.var = snap.var;
      s.recent.push(...snap.recent.slice(-this.spec.shortWindow));
      restored++;
    }
    return restored;
  }
}
