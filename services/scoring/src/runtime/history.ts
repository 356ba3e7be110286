import { EntityMap } from './entity-map.ts';

/**
 * Per-entity history for `lag` and `diff` (docs/bundle-format.md, "History"): the raw records
 * (input columns before any step, NaN included) of the last `rows` records of each entity,
 * oldest first. Bounded: past `maxEntities` the least recently seen entity is dropped, and
 * its next record scores as a new entity's (lags NaN, then imputed).
 */

/** The last `rows` raw records of one entity, in a ring. */
export class EntityHistory {
  readonly #rows: number;
  readonly #width: number;
  readonly #ring: Float64Array;
  #count = 0;
  #next = 0;

  constructor(rows: number, width: number) {
    this.#rows = rows;
    this.#width = width;
    this.#ring = new Float64Array(rows * width);
  }

  /** Raw column `column` of the k-th previous record (k ≥ 1); NaN when fewer than k are kept. */
  previous(k: number, column: number): number {
    if (k > this.#count) return Number.NaN;
    const slot = (this.#next - k + this.#rows) % this.#rows;
    return this.#ring[slot * this.#width + column] as number;
  }

  push(raw: Float64Array, at: number): void {
    this.#ring.set(raw.subarray(at, at + this.#width), this.#next * this.#width);
    this.#next = (this.#next + 1) % this.#rows;
    if (this.#count < this.#rows) this.#count++;
  }

  /** Kept records, oldest first (null for NaN: JSON-ready). */
  toJSON(): (number | null)[][] {
    const out: (number | null)[][] = [];
    for (let k = this.#count; k >= 1; k--) {
      const record: (number | null)[] = [];
      for (let c = 0; c < this.#width; c++) {
        const v = this.previous(k, c);
        record.push(Number.isNaN(v) ? null : v);
      }
      out.push(record);
    }
    return out;
  }
}

export class HistoryStore {
  readonly rows: number;
  readonly columns: readonly string[];
  readonly #entities: EntityMap<EntityHistory>;

  constructor(rows: number, columns: readonly string[], maxEntities: number) {
    this.rows = rows;
    this.columns = columns;
    this.#entities = new EntityMap(maxEntities);
  }

  get size(): number {
    return this.#entities.size;
  }

  get(entity: string): EntityHistory | undefined {
    return this.#entities.get(entity);
  }

  /** Appends a raw record (`columns.length` numbers from `at`) to the entity's history. */
  push(entity: string, raw: Float64Array, at: number): void {
    if (this.rows === 0) return;
    this.#entities.use(entity, () => new EntityHistory(this.rows, this.columns.length)).push(raw, at);
  }

  clear(): void {
    this.#entities.clear();
  }

  /** Kept records by entity (all entities, or those of `only` that have a history). */
  export(only?: Iterable<string>): Record<string, (number | null)[][]> {
    return this.#entities.snapshot(only, (h) => h.toJSON());
  }

  /**
   * Restores records exported by `export` with their input columns (of this or another version
   * of the module): matched by name, a column the snapshot lacks reads NaN. Returns the entities restored.
   */
  import(columns: readonly string[], entities: Readonly<Record<string, (number | null)[][]>>): number {
    if (this.rows === 0) return 0;
    const from = this.columns.map((c) => columns.indexOf(c));
    const raw = new Float64Array(this.columns.length);
    let restored = 0;
    for (const [entity, records] of Object.entries(entities)) {
      this.#entities.delete(entity);
      for (const record of records.slice(-this.rows)) {
        for (let c = 0; c < from.length; c++) {
          const v = record[from[c] as number];
          raw[c] = typeof v === 'number' ? v : Number.NaN;
        }
        this.push(entity, raw, 0);
      }
      restored++;
    }
    return restored;
  }
}
