import { LRUCache } from 'lru-cache';

/**
 * Per-entity state bounded by count: past `max` entries the least recently used is dropped
 * (lru-cache; `get` and `snapshot` do not count as a use).
 */
export class EntityMap<V extends object> {
  readonly max: number;
  readonly #map: LRUCache<string, V>;

  constructor(max: number) {
    this.max = max;
    // Bounded by size at one per entity rather than by `max`, which would preallocate storage
    // for the whole bound (100 000 per state; Number.MAX_SAFE_INTEGER for a self-test's state).
    // A bound of 0 has always kept the last entity.
    this.#map = new LRUCache<string, V>({ maxSize: Math.max(1, max), sizeCalculation: () => 1 });
  }

  get size(): number {
    return this.#map.size;
  }

  get(entity: string): V | undefined {
    return this.#map.peek(entity);
  }

  /** The entity's state, created when absent; marks it most recently used. */
  use(entity: string, create: () => V): V {
    let v = this.#map.get(entity);
    if (v === undefined) {
      v = create();
      this.#map.set(entity, v);
    }
    return v;
  }

  delete(entity: string): void {
    this.#map.delete(entity);
  }

  clear(): void {
    this.#map.clear();
  }

  /**
   * `toJSON` of every entity's state (or of those of `only` that have one), by entity, least
   * recently used first: imported in that order, the recency order comes back.
   */
  snapshot<T>(only: Iterable<string> | undefined, toJSON: (v: V) => T): Record<string, T> {
    const out: Record<string, T> = {};
    if (only === undefined) {
      for (const entity of this.#map.rkeys()) {
        const v = this.#map.peek(entity);
        if (v !== undefined) out[entity] = toJSON(v);
      }
    } else {
      for (const entity of only) {
        const v = this.#map.peek(entity);
        if (v !== undefined) out[entity] = toJSON(v);
      }
    }
    return out;
  }
}
