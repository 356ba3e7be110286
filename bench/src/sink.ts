/**
 * Sink write throughput against a plain COPY of the same rows, in one run.
 *
 *   node --import tsx bench/src/sink.ts [--alerts 20000] [--scores 3] [--batch 1000] [--repeat 3]
 *
 * Rows = one `alerts` row per alert + one `scores` row per score. The sink
 * writes them as the service does: one transaction per Kafka-sized batch, into
 * the partitioned, indexed tables, with ON CONFLICT DO NOTHING, once with each
 * write method and once more as a replay (every row already there). The
 * baseline is a single COPY per table into plain tables of the same columns,
 * with no key, index or partitioning. Each run uses a fresh schema, dropped at
 * the end. Needs PostgreSQL at DATABASE_URL.
 */
import { randomUUID } from 'node:crypto';
import type { ScoredAlert } from '@vigil/contracts';
import { createPool, migrate } from '@vigil/postgres';
import {
  ALERTS,
  copyIn,
  copyTextRow,
  finalCell,
  SCORES,
  type SinkBatch,
  StoreWriter,
  sinkMigrations,
  type TableSpec,
  WRITE_METHODS,
  type WriteMethod,
} from '@vigil/sink';
import type pg from 'pg';
import { benchArgs } from './lib/args.ts';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://vigil:vigil@127.0.0.1:5432/vigil';
const MODULES = ['envelope', 'predictive', 'rules', 'iforest', 'autoencoder'];

const args = benchArgs(import.meta.url, {
  alerts: { type: 'string', default: '20000' },
  scores: { type: 'string', default: '3' },
  batch: { type: 'string', default: '1000' },
  repeat: { type: 'string', default: '3' },
});
const alertCount = Number(args.alerts);
const scoresPerAlert = Math.min(Number(args.scores), MODULES.length);
const batchSize = Number(args.batch);
const repeat = Math.max(1, Number(args.repeat));

/** Realistic scored alerts: 50 entities, 8 signals, one per second over the run's span (crosses a UTC day). */
function generate(count: number): ScoredAlert[] {
  const start = Date.UTC(2024, 0, 15, 20);
  const alerts: ScoredAlert[] = [];
  for (let i = 0; i < count; i++) {
    const ts = start + i * 1_000;
    const values: Record<string, number> = {};
    for (let s = 0; s < 8; s++) values[`signal_${s}`] = Math.round(Math.sin(i / 50 + s) * 1e4) / 100;
    alerts.push({
      alert: {
        id: `bench-${i}`,
        source: 'bench',
        entity: `host-${i % 50}`,
        ts,
        ingestedAt: ts + 5,
        values,
        attrs: { rule: 'cpu_high', severity: 'medium' },
        features: { signal_0_mean_5m: 1.5, signal_0_std_5m: 0.25 },
        origin: { topic: 'telemetry.raw', partition: i % 6, offset: String(i), format: 'JSON' },
      },
      scores: MODULES.slice(0, scoresPerAlert).map((module, m) => {
        const calibrated = ((i * 7 + m * 13) % 1000) / 1000;
        return {
          module,
          model: `vigil-${module}`,
          version: '3',
          alias: 'published',
          raw: calibrated * 10,
          calibrated,
          verdict: calibrated > 0.99 ? 'ANOMALY' : calibrated > 0.95 ? 'UNSURE' : 'NORMAL',
          missingReason: null,
          thresholds: { unsureAbove: 0.95, anomalyAbove: 0.99 },
          elements: [{ name: `${module}-0`, kind: module.toUpperCase(), raw: calibrated * 10, calibrated }],
          contributors: [
            { signal: 'signal_0', weight: 0.6 },
            { signal: 'signal_3', weight: 0.3 },
          ],
          latencyMs: 0.4,
        };
      }),
      scoredAt: ts + 20,
    });
  }
  return alerts;
}

async function withSchema<T>(run: (pool: pg.Pool, schema: string) => Promise<T>): Promise<T> {
  const schema = `bench_sink_${randomUUID().slice(0, 8)}`;
  const pool = createPool({ url: DATABASE_URL, schema, max: 2, applicationName: 'vigil-bench-sink' });
  pool.on('error', () => undefined);
  try {
    await migrate(pool, schema, sinkMigrations());
    return await run(pool, schema);
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await pool.end();
  }
}

/** One COPY of every row of `table`, into a plain copy of it, or (`into`) into the sink's own table. */
async function plainCopy<R>(
  client: pg.PoolClient,
  table: TableSpec<R>,
  rows: readonly R[],
  into: 'plain' | 'sink' = 'plain',
): Promise<void> {
  const target = into === 'plain' ? `plain_${table.name}` : table.name;
  if (into === 'plain') await client.query(`CREATE TABLE ${target} (LIKE ${table.name} INCLUDING DEFAULTS)`);
  const columns = table.columns.map((c) => c.name).join(', ');
  function* lines() {
    let chunk = '';
    for (let r = 0; r < rows.length; r++) {
      chunk += copyTextRow(table.columns.map((column) => finalCell(column, rows[r] as R)));
      if (r % 500 === 499) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk.length > 0) yield chunk;
  }
  await copyIn(client, target, columns, lines());
}

interface Measured {
  name: string;
  rows: number;
  seconds: number;
}

async function measurePlainCopy(alerts: ScoredAlert[], rows: number, into: 'plain' | 'sink'): Promise<Measured> {
  return withSchema(async (pool) => {
    const client = await pool.connect();
    try {
      const scoreRows = alerts.flatMap((scored) => scored.scores.map((score) => ({ scored, score })));
      if (into === 'sink')
        await new StoreWriter(pool)
          .write({ scoredAlerts: alerts, incidents: [], labels: [] })
          .then(() => client.query('TRUNCATE alerts, scores'));
      const started = performance.now();
      await plainCopy(client, ALERTS, alerts, into);
      await plainCopy(client, SCORES, scoreRows, into);
      const name =
        into === 'plain'
          ? 'plain COPY (one per table, no keys)'
          : "reference: plain COPY into the sink's tables (keys, indexes, partitions)";
      return { name, rows, seconds: (performance.now() - started) / 1000 };
    } finally {
      client.release();
    }
  });
}

function batches(alerts: ScoredAlert[]): SinkBatch[] {
  const out: SinkBatch[] = [];
  for (let i = 0; i < alerts.length; i += batchSize) {
    out.push({ scoredAlerts: alerts.slice(i, i + batchSize), incidents: [], labels: [] });
  }
  return out;
}

async function measureSink(method: WriteMethod, alerts: ScoredAlert[], rows: number): Promise<Measured[]> {
  return withSchema(async (pool) => {
    const writer = new StoreWriter(pool, { method });
    const timed = async (name: string, expectInserted: boolean) => {
      const started = performance.now();
      let inserted = 0;
      for (const batch of batches(alerts)) {
        const result = await writer.write(batch);
        inserted += result.inserted.alerts + result.inserted.scores;
      }
      const seconds = (performance.now() - started) / 1000;
      if (inserted !== (expectInserted ? rows : 0)) throw new Error(`${name}: inserted ${inserted} rows`);
      return { name, rows, seconds };
    };
    return [
      await timed(`sink, ${method} (batches of ${batchSize} alerts)`, true),
      await timed(`sink, ${method}, replay of the same rows`, false),
    ];
  });
}

function table(results: Measured[], baseline: Measured): string {
  const header = ['run', 'rows', 'seconds', 'rows/s', 'ratio to plain COPY'];
  const body = results.map((r) => [
    r.name,
    String(r.rows),
    r.seconds.toFixed(2),
    String(Math.round(r.rows / r.seconds)),
    (baseline.seconds / r.seconds).toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

const alerts = generate(alertCount);
const rows = alertCount * (1 + scoresPerAlert);
process.stdout.write(
  `sink benchmark: ${alertCount} alerts × ${scoresPerAlert} scores = ${rows} rows, PostgreSQL at ${DATABASE_URL.replace(/:[^:@/]*@/, ':***@')}\n\n`,
);
// Every round runs each measurement once, in an order rotated by one from the previous round, so a busy
// moment of the machine or a position effect (the run after a large DROP SCHEMA) does not favour one of
// them; the table shows the median of the rounds.
const measurements: (() => Promise<Measured[]>)[] = [
  async () => [await measurePlainCopy(alerts, rows, 'plain')],
  ...WRITE_METHODS.map((method) => () => measureSink(method, alerts, rows)),
  async () => [await measurePlainCopy(alerts, rows, 'sink')],
];
const byMeasurement: Measured[][][] = measurements.map(() => []);
for (let r = 0; r < repeat; r++) {
  for (let k = 0; k < measurements.length; k++) {
    const index = (k + r) % measurements.length;
    (byMeasurement[index] as Measured[][]).push(await (measurements[index] as () => Promise<Measured[]>)());
  }
}
const runs = byMeasurement.flatMap((rounds) =>
  (rounds[0] ?? []).map((_, i) => rounds.map((round) => round[i] as Measured)),
);
const medians = runs.map((all) => {
  const sorted = [...all].sort((a, b) => a.seconds - b.seconds);
  return sorted[Math.floor((sorted.length - 1) / 2)] as Measured;
});
process.stdout.write(`${table(medians, medians[0] as Measured)}\n\nmedian of ${repeat} interleaved run(s)\n`);
