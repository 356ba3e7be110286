/**
 * Per-entity state bounded by count: a Map whose insertion order is recency order (an entry is
 * re-inserted whenever it is used); past `max` entries the least recently used is dropped.
 */
export class EntityMap<V> {
  readonly max: number;
  readonly #map = new Map<string, V>();

  constructor(max: number) {
    this.max = max;
  }

  get size(): number {
    return this.#map.size;
  }

  get(entity: string): V | undefined {
    return this.#map.get(entity);
  }

  /** The entity's state, created when absent; marks it most recently used. */
  use(entity: string, create: () => V): V {
    let v = this.#map.get(entity);
    if (v === undefined) {
      v = create();
      if (this.#map.size >= this.max) this.#map.delete(this.#map.keys().next().value as string);
    } else {
      this.#map.delete(entity);
    }
    this.#map.set(entity, v);
    return v;
  }

  delete(entity: string): void {
    this.#map.delete(entity);
  }

  clear(): void {
    this.#map.clear();
  }

  /** `toJSON` of every entity's state (or of those of `only` that have one), by entity. */
  snapshot<T>(only: Iterable<string> | undefined, toJSON: (v: V) => T): Record<string, T> {
    const out: Record<string, T> = {};
    if (only === undefined) {
      for (const [entity, v] of this.#map) out[entity] = toJSON(v);
    } else {
      for (const entity of only) {
        const v = this.#map.get(entity);
        if (v !== undefined) out[entity] = toJSON(v);
      }
    }
    return out;
  }
}
