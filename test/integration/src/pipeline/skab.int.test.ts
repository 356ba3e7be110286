import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  consumerLag,
  datasetsDir,
  deleteModel,
  PIPELINE_SERVICES,
  type Pipeline,
  pipelineFixture,
  REPO_ROOT,
  type ServiceProcess,
  skabData,
  startService,
  testKafka,
  trainPipelineModels,
  waitFor,
} from '@vigil/test-kit';
import type { Admin } from 'kafkajs';

const run = promisify(execFile);
const kafka = testKafka('pipeline-test');
let admin: Admin;
let pipeline: Pipeline;
const services: ServiceProcess[] = [];
const models: string[] = [];
const work = mkdtempSync(join(tmpdir(), 'vigil-pipeline-'));

interface LabelLine {
  id: string;
  entity: string;
  ts: number;
  anomaly: boolean;
}

async function replay(file: string, prefix: string, labelsOut: string, extra: string[] = []): Promise<LabelLine[]> {
  await run(
    process.execPath,
    [
      '--import',
      'tsx',
      'tools/replay/src/main.ts',
      file,
      '--quiet',
      '--topic',
      pipeline.topics.telemetryRaw,
      '--id-prefix',
      prefix,
      '--entity-prefix',
      prefix,
      '--labels-out',
      labelsOut,
      ...extra,
    ],
    { cwd: REPO_ROOT },
  );
  return readFileSync(labelsOut, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as LabelLine);
}

before(async () => {
  admin = kafka.admin();
  await admin.connect();
  pipeline = await pipelineFixture(admin);
});

after(async () => {
  for (const service of services) await service.kill('SIGTERM');
  await pipeline.cleanup();
  for (const model of models) await deleteModel(model);
  await admin.disconnect();
});

describe('the whole pipeline on SKAB', () => {
  it('opens an incident at the labelled anomaly, none on normal operation, and stores every input id', async (t) => {
    const files = await skabData(work);
    if (!datasetsDir()) t.diagnostic('VIGIL_DATASETS is unset: using generated SKAB-like telemetry');
    // A published predictive module (actionable) and an envelope challenger (shadow), trained as SKAB's protocol says.
    const { published, scoringModels } = await trainPipelineModels(files, work, 'pipe', (model) => models.push(model));
    pipeline.env.scoring.SCORING_MODELS = scoringModels;
    pipeline.env.scoring.SCORING_CACHE_DIR = join(work, 'cache');
    for (const name of PIPELINE_SERVICES) services.push(startService(name, pipeline.env[name]));

    const anomalous = await replay(files.anomalous, `${pipeline.run}/a/`, join(work, 'a.jsonl'));
    const normal = await replay(files.normal, `${pipeline.run}/n/`, join(work, 'n.jsonl'), ['--limit', '2500']);
    const sent = [...anomalous, ...normal];

    // Every input id reaches the store (once: ids are the alerts table's key).
    const stored = await waitFor(
      'every alert in the store',
      async () => {
        const { rows } = await pipeline.pool.query<{ alert_id: string }>('SELECT alert_id FROM alerts');
        return rows.length >= sent.length ? rows : undefined;
      },
      240_000,
      1_000,
    ).catch((error) => {
      throw new Error(`${(error as Error).message}\n${services.map((s) => s.output().slice(-2_000)).join('\n')}`);
    });
    assert.deepEqual(stored.map((r) => r.alert_id).sort(), sent.map((l) => l.id).sort());
    const { rows: scoreRows } = await pipeline.pool.query<{ n: number }>(
      `SELECT count(DISTINCT (alert_id, model))::int AS n FROM scores`,
    );
    assert.equal(scoreRows[0]?.n, sent.length * 2, 'each alert has a score of both models');

    // The incident stage has committed every scored alert, so its incidents are on Kafka; then the sink every incident.
    await waitFor(
      'the incident stage and the sink to finish with the last alerts',
      async () => {
        if ((await consumerLag(admin, pipeline.groups.incident, [pipeline.topics.alertsScored])) > 0) return undefined;
        const incidentTopics = [pipeline.topics.incidents, pipeline.topics.incidentsShadow];
        return (await consumerLag(admin, pipeline.groups.sink, incidentTopics)) === 0 ? true : undefined;
      },
      60_000,
      500,
    );
    const { rows: incidents } = await pipeline.pool.query<{
      entity: string;
      model: string;
      actionable: boolean;
      opened_at: Date;
    }>(
      `SELECT DISTINCT ON (incident_id) entity, model, actionable, opened_at FROM incident_events ORDER BY incident_id, sequence`,
    );
    const segment = anomalous.filter((l) => l.anomaly).map((l) => l.ts);
    const from = Math.min(...segment);
    const to = Math.max(...segment);
    const anomalousEntity = anomalous[0]?.entity;
    const onAnomalous = incidents.filter((i) => i.model === published && i.entity === anomalousEntity);
    assert.ok(
      onAnomalous.length > 0,
      `no published incident on ${anomalousEntity}; incidents: ${JSON.stringify(incidents)}`,
    );
    const firstOpen = Math.min(...onAnomalous.map((i) => i.opened_at.getTime()));
    // Opens inside the labelled segment or within a minute of event time after it began.
    assert.ok(
      firstOpen >= from - 60_000 && firstOpen <= to + 60_000,
      `opened at ${new Date(firstOpen).toISOString()}, segment ${new Date(from).toISOString()}–${new Date(to).toISOString()}`,
    );
    assert.ok(onAnomalous.every((i) => i.actionable));
    const onNormal = incidents.filter((i) => i.model === published && i.entity === normal[0]?.entity);
    assert.deepEqual(onNormal, [], 'the published model opened an incident on normal operation');
    assert.ok(existsSync(join(work, 'cache')), 'the scoring service cached the bundles it downloaded');
  });
});
