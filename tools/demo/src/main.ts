/**
 * The demo's second half (scripts/demo.sh brings up the stack, the modules and
 * the services first): streams a labelled file through the running pipeline as
 * fresh entities, waits until the store has every record, and reports what
 * happened against the labels.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '@vigil/timing';
import pg from 'pg';
import { type IncidentRow, type LabelLine, outcomes, placement, segmentsOf, table } from './report.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://vigil:vigil@127.0.0.1:5432/vigil';
const INGEST_METRICS = `http://127.0.0.1:${process.env.INGEST_METRICS_PORT ?? 9401}/metrics`;

function say(text: string): void {
  process.stderr.write(`\x1b[1m[demo]\x1b[0m ${text}\n`);
}

/** Real SKAB files with a labelled anomaly when VIGIL_DATASETS is set, else the kit's generated SKAB-like files. */
function chooseInputs(): { files: string[]; origin: string } {
  const datasets = process.env.VIGIL_DATASETS;
  if (datasets) {
    const files = ['skab/data/valve1/0.csv', 'skab/data/other/9.csv', 'skab/data/anomaly-free/anomaly-free.csv'].map(
      (f) => join(datasets, f),
    );
    const missing = files.filter((f) => !existsSync(f));
    if (missing.length > 0) throw new Error(`VIGIL_DATASETS=${datasets} lacks ${missing.join(', ')}`);
    return { files, origin: `real SKAB data from ${datasets}` };
  }
  const generated = join(ROOT, 'science/build/generated/skab-like');
  const pick = (folder: string) => {
    const dir = join(generated, folder);
    const first = existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.csv'))
          .sort()[0]
      : undefined;
    return first ? join(dir, first) : undefined;
  };
  const files = [pick('valve'), pick('anomaly-free')].filter((f): f is string => f !== undefined);
  if (files.length === 0)
    throw new Error(`no generated telemetry under ${generated}: run science/build-reference.sh first`);
  say("VIGIL_DATASETS is unset: streaming the science kit's generated pump telemetry instead of real SKAB data");
  return { files, origin: 'generated SKAB-like telemetry (science/build/generated)' };
}

function run(args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code) =>
      code === 0 ? resolvePromise(out) : reject(new Error(`${args.join(' ')} exited with ${code}`)),
    );
  });
}

async function deadLettered(): Promise<number> {
  try {
    const text = await (await fetch(INGEST_METRICS)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith('vigil_records_dead_lettered_total'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  } catch {
    return Number.NaN;
  }
}

async function main(): Promise<void> {
  const { files, origin } = chooseInputs();
  const runId = `demo-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`;
  const workDir = join(ROOT, '.vigil/demo');
  mkdirSync(workDir, { recursive: true });
  const labelsFile = join(workDir, `${runId}.labels.jsonl`);
  const deadBefore = await deadLettered();

  say(`streaming ${files.length} files (${origin}) into telemetry.raw as entities ${runId}/…`);
  const started = Date.now();
  for (const file of files) {
    await run([
      'tools/replay/src/main.ts',
      file,
      '--quiet',
      '--id-prefix',
      `${runId}/`,
      '--entity-prefix',
      `${runId}/`,
      '--labels-out',
      `${labelsFile}.part`,
    ]);
    // Each replay run writes its own labels file; keep them all.
    appendFileSync(labelsFile, readFileSync(`${labelsFile}.part`));
  }
  const labels: LabelLine[] = readFileSync(labelsFile, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as LabelLine);
  say(
    `sent ${labels.length} records in ${((Date.now() - started) / 1000).toFixed(1)} s; waiting for the pipeline to store them`,
  );

  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  try {
    const pattern = `${runId}/%`;
    const counts = async () => {
      const { rows } = await pool.query<{ alerts: number; scores: number; incidents: number }>(
        `SELECT (SELECT count(*)::int FROM alerts WHERE entity LIKE $1) AS alerts,
                (SELECT count(*)::int FROM scores WHERE entity LIKE $1) AS scores,
                (SELECT count(*)::int FROM incident_events WHERE entity LIKE $1) AS incidents`,
        [pattern],
      );
      return rows[0] ?? { alerts: 0, scores: 0, incidents: 0 };
    };
    // Done when every record is stored and scores and incidents stopped moving for 5 s.
    let last = await counts();
    let stableSince = Date.now();
    const deadline = Date.now() + 240_000;
    for (;;) {
      await sleep(1_000);
      const now = await counts();
      if (now.scores !== last.scores || now.incidents !== last.incidents || now.alerts !== last.alerts)
        stableSince = Date.now();
      last = now;
      if (now.alerts >= labels.length && now.scores > 0 && Date.now() - stableSince > 5_000) break;
      if (Date.now() > deadline) {
        say(
          `gave up waiting after 4 minutes: ${now.alerts} of ${labels.length} alerts stored (see ./vigil services status and .vigil/logs)`,
        );
        break;
      }
    }

    const verdicts = await pool.query<{ model: string; alias: string; version: string; verdict: string; n: number }>(
      `SELECT model, alias, version, verdict, count(*)::int AS n FROM scores WHERE entity LIKE $1
       GROUP BY model, alias, version, verdict ORDER BY model, alias, verdict`,
      [pattern],
    );
    const incidents = await pool.query<IncidentRow>(
      `SELECT DISTINCT ON (incident_id) incident_id AS "incidentId", entity, model, alias, group_id AS "groupId",
              actionable, severity,
              (extract(epoch FROM opened_at) * 1000)::float8 AS "openedAt",
              (extract(epoch FROM closed_at) * 1000)::float8 AS "closedAt", cardinality(alert_ids) AS alerts
       FROM incident_events WHERE entity LIKE $1 ORDER BY incident_id, sequence DESC`,
      [pattern],
    );
    const segments = segmentsOf(labels);
    const segmentOf = new Map(segments.map((s) => [s.entity, s]));
    const deadAfter = await deadLettered();

    const out: string[] = [];
    out.push('', `Vigil demo ${runId}: ${origin}`, '');
    out.push(
      `records sent ${labels.length}; stored alerts ${last.alerts}; dead-lettered by ingest during the run ${Number.isNaN(deadAfter - deadBefore) ? 'unknown' : deadAfter - deadBefore}`,
    );
    out.push('', 'Labelled anomalies (ground truth, never sent to the pipeline):');
    out.push(
      table(
        ['entity', 'records', 'anomalous', 'segment (event time)'],
        segments.map((s) => [
          s.entity,
          String(s.records),
          String(s.anomalous),
          s.from === null ? '—' : `${new Date(s.from).toISOString()} → ${new Date(s.to ?? s.from).toISOString()}`,
        ]),
      ),
    );
    out.push('', 'Scores stored, by model, alias and verdict:');
    out.push(
      table(
        ['model', 'alias', 'version', 'verdict', 'count'],
        verdicts.rows.map((r) => [r.model, r.alias, r.version, r.verdict, String(r.n)]),
      ),
    );
    out.push(
      '',
      `Incidents (${incidents.rows.filter((i) => i.actionable).length} actionable on topic incidents, ${incidents.rows.filter((i) => !i.actionable).length} shadow on incidents.shadow):`,
    );
    out.push(
      table(
        ['entity', 'model', 'alias', 'group', 'severity', 'alerts', 'opened', 'against the labels'],
        incidents.rows
          .sort((a, b) => a.openedAt - b.openedAt)
          .map((i) => [
            i.entity,
            i.model,
            i.alias,
            i.groupId.slice(0, 8),
            i.severity,
            String(i.alerts),
            new Date(i.openedAt).toISOString(),
            placement(i.openedAt, segmentOf.get(i.entity)),
          ]),
      ),
    );
    out.push('', 'Outcome per entity (actionable incidents against the labels):');
    out.push(
      table(
        ['entity', 'outcome'],
        outcomes(segments, incidents.rows).map((o) => [o.entity, o.verdict]),
      ),
    );
    out.push('', 'Where to look:');
    out.push('  incidents        pnpm vigil-store incidents --since 1h      (PostgreSQL, read API)');
    out.push(`  an entity        pnpm vigil-store entity '${segments[0]?.entity ?? ''}' --since 1h`);
    out.push('  Prometheus       http://127.0.0.1:9090  e.g. sum by (stage) (rate(vigil_records_out_total[1m]))');
    out.push('  MLflow           http://127.0.0.1:5000  (experiments vigil-skab-*, registered models and aliases)');
    out.push('  Kafka topics     ./vigil kafka tail incidents   (or alerts.scored, telemetry.raw.dlq; decoded)');
    out.push('  labelling asks   ./vigil kafka tail feedback.requests   (reason and inclusion probability of each)');
    out.push('  consumer lag     ./vigil kafka groups');
    out.push(
      '  control API      ./vigil ctl bootstrap admin --save, then ./vigil ctl whoami  (http://127.0.0.1:9410/api/v1)',
    );
    out.push('  stop             ./vigil services stop && ./vigil stack stop');
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await pool.end();
  }
}

await main();
