/**
 * The one seeded generator of the repository (mulberry32) and the helpers the
 * replay generator draws from. Not for cryptography: it only has to make
 * synthetic streams, tests and benchmarks reproducible from a seed, the same
 * on every machine.
 */

/** Uniform deviates in [0, 1) from a 32-bit seed (taken modulo 2^32). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** 32-bit FNV-1a of a text: the seed `createRandom` uses for a text. */
export function hashSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number;
  /** Standard normal deviate (Box–Muller, the second of each pair kept for the next call). */
  normal(): number;
  /** +1 or -1. */
  sign(): number;
}

/**
 * A `Random` over `mulberry32`. A text seed is hashed with `hashSeed`, so a
 * name such as `${seed}/${entity}` gives each entity its own stream; note that
 * `createRandom('42')` and `createRandom(42)` are different streams.
 */
export function createRandom(seed: string | number): Random {
  const next = mulberry32(typeof seed === 'string' ? hashSeed(seed) : seed);
  let spare: number | undefined;
  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor((max - min + 1) * next()),
    sign: () => (next() < 0.5 ? -1 : 1),
    normal: () => {
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return value;
      }
      let u = next();
      while (u === 0) u = next();
      const radius = Math.sqrt(-2 * Math.log(u));
      const angle = 2 * Math.PI * next();
      spare = radius * Math.sin(angle);
      return radius * Math.cos(angle);
    },
  };
}
