import type { Telemetry } from '@vigil/contracts';

/** Signal values of one telemetry row (a SKAB CSV row without its time and labels). */
export type SignalRow = Record<string, number>;

/**
 * Telemetry of `entities` pumps that replay SKAB's labelled experiments: pump
 * `e` plays file `e mod files` in order, from a starting row of its own (so at
 * any moment some pumps are inside an anomalous segment and the rate of
 * anomalies is steady), and wraps around at the end. Records go round the
 * pumps one at a time; ids and entity names start with `prefix`, so every run
 * has fresh ones.
 */
export class PumpFeed {
  private produced = 0;
  private readonly lastTs: (number | undefined)[];

  constructor(
    private readonly files: readonly (readonly SignalRow[])[],
    private readonly prefix: string,
    private readonly entities: number,
  ) {
    if (files.length === 0 || files.some((rows) => rows.length === 0)) throw new Error('PumpFeed: no rows to replay');
    this.lastTs = new Array(entities).fill(undefined);
  }

  /** Records made so far. */
  get count(): number {
    return this.produced;
  }

  /**
   * The next `count` records. `ts` gives each one's event time from its pump's step
   * (0, 1, … per pump) and the pump's previous event time; it must increase per pump.
   */
  next(count: number, ts: (step: number, previous: number | undefined) => number): Telemetry[] {
    const records: Telemetry[] = new Array(count);
    for (let k = 0; k < count; k++) {
      const i = this.produced++;
      const pump = i % this.entities;
      const step = Math.floor(i / this.entities);
      const rows = this.files[pump % this.files.length] as readonly SignalRow[];
      const at = ts(step, this.lastTs[pump]);
      this.lastTs[pump] = at;
      records[k] = {
        id: `${this.prefix}-${i}`,
        source: 'skab',
        entity: `${this.prefix}-pump-${pump}`,
        ts: at,
        values: rows[(pump * 7_919 + step) % rows.length] as SignalRow,
        attrs: {},
      };
    }
    return records;
  }
}
