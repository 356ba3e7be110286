/**
 * The running local stack (deploy/local/stack.sh start): every component
 * answers a real request on its loopback port, a second `start` leaves
 * everything alone, and the topic helper creates the contract topics and
 * their DLQs from @vigil/contracts, idempotently.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TOPIC_CONTRACTS, TOPIC_KEYS } from '@vigil/contracts';
import { ensureTopics, plannedTopics } from '@vigil/local-stack';
import { Redis } from 'ioredis';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import pg from 'pg';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const STACK = resolve(ROOT, 'deploy/local/stack.sh');
const run = promisify(execFile);

async function stack(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('bash', [STACK, ...args], { cwd: ROOT, timeout: 300_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const COMPONENTS = ['redis', 'kafka', 'postgres', 'prometheus', 'registry', 'mlflow'] as const;

describe('stack.sh', () => {
  test('status reports every component up, one line each', async () => {
    const { code, stdout } = await stack('status');
    assert.equal(code, 0, stdout);
    for (const name of COMPONENTS) assert.match(stdout, new RegExp(`^${name}\\s+127\\.0\\.0\\.1:\\d+\\s+up`, 'm'));
  });

  test('a second start leaves the running components alone', async () => {
    const before = await stack('status');
    const { code, stderr, stdout } = await stack('start');
    assert.equal(code, 0, stderr);
    // "already up" when another clone's stack.sh started it (CI runs in a fresh clone)
    for (const name of COMPONENTS) assert.match(stderr, new RegExp(`^${name}: already (running|up)`, 'm'));
    assert.match(stdout, /^total time: \d+s$/m);
    const pids = (text: string) => [...text.matchAll(/pid (\d+)/g)].map((m) => m[1]);
    assert.deepEqual(pids((await stack('status')).stdout), pids(before.stdout), 'no component was restarted');
  });

  test('status of an unknown component fails and names the known ones', async () => {
    const { code, stderr } = await stack('status', 'zookeeper');
    assert.equal(code, 1);
    assert.match(stderr, /unknown component 'zookeeper' \(known: redis kafka postgres prometheus registry mlflow\)/);
  });
});

describe('the components answer', () => {
  test('Redis', async () => {
    const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      const key = `test:stack:${randomUUID()}`;
      await redis.set(key, 'x', 'EX', 10);
      assert.equal(await redis.get(key), 'x');
      await redis.del(key);
    } finally {
      redis.disconnect();
    }
  });

  test('PostgreSQL accepts vigil/vigil on database vigil over TCP', async () => {
    const client = new pg.Client({ connectionString: 'postgres://vigil:vigil@127.0.0.1:5432/vigil' });
    await client.connect();
    try {
      const { rows } = await client.query<{ user: string; db: string; version: string }>(
        'select current_user as user, current_database() as db, current_setting($1) as version',
        ['server_version_num'],
      );
      assert.deepEqual([rows[0]?.user, rows[0]?.db], ['vigil', 'vigil']);
      assert.ok(Number(rows[0]?.version) >= 150000, 'PostgreSQL 15 or newer');
    } finally {
      await client.end();
    }
  });

  test('PostgreSQL refuses a wrong password', async () => {
    const client = new pg.Client({ connectionString: 'postgres://vigil:wrong@127.0.0.1:5432/vigil' });
    await assert.rejects(client.connect(), /password authentication failed/);
  });

  test('the schema registry speaks the Confluent API and enforces BACKWARD compatibility', async () => {
    const base = 'http://127.0.0.1:8081/apis/ccompat/v7';
    const subject = `test-stack-${randomUUID()}-value`;
    const headers = { 'content-type': 'application/vnd.schemaregistry.v1+json' };
    const schema = (fields: object[]) => JSON.stringify({ type: 'record', name: 'T', namespace: 'test', fields });
    const register = (fields: object[]) =>
      fetch(`${base}/subjects/${subject}/versions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ schema: schema(fields) }),
      });
    try {
      const first = await register([{ name: 'a', type: 'int' }]);
      assert.equal(first.status, 200);
      const { id } = (await first.json()) as { id: number };
      const byId = (await (await fetch(`${base}/schemas/ids/${id}`)).json()) as { schema: string };
      assert.deepEqual(JSON.parse(byId.schema), JSON.parse(schema([{ name: 'a', type: 'int' }])));
      // a new field without a default cannot read old records: rejected
      const breaking = await register([
        { name: 'a', type: 'int' },
        { name: 'b', type: 'int' },
      ]);
      assert.equal(breaking.status, 409);
      const compatible = await register([
        { name: 'a', type: 'int' },
        { name: 'b', type: 'int', default: 0 },
      ]);
      assert.equal(compatible.status, 200);
    } finally {
      await fetch(`${base}/subjects/${subject}`, { method: 'DELETE' });
    }
  });

  test('MLflow answers /health and its REST API', async () => {
    assert.equal(await (await fetch('http://127.0.0.1:5000/health')).text(), 'OK');
    const response = await fetch(
      'http://127.0.0.1:5000/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default',
    );
    assert.equal(response.status, 200);
    const body = (await response.json()) as { experiment: { artifact_location: string } };
    assert.match(body.experiment.artifact_location, /^mlflow-artifacts:/, 'artifacts are served over HTTP');
  });

  test('Prometheus is ready, scrapes a job per Vigil service and loaded the alert rules', async () => {
    assert.equal((await fetch('http://127.0.0.1:9090/-/ready')).status, 200);
    const targets = (await (await fetch('http://127.0.0.1:9090/api/v1/targets')).json()) as {
      data: { activeTargets: { labels: { job: string } }[] };
    };
    const jobs = new Set(targets.data.activeTargets.map((t) => t.labels.job));
    for (const s of ['ingest', 'enrichment', 'scoring', 'incident', 'feedback', 'sink']) {
      assert.ok(jobs.has(`vigil-${s}`), `job vigil-${s}`);
    }
    const rules = (await (await fetch('http://127.0.0.1:9090/api/v1/rules')).json()) as {
      data: { groups: { rules: { name: string }[] }[] };
    };
    const names = rules.data.groups.flatMap((g) => g.rules.map((r) => r.name));
    assert.ok(names.includes('VigilDeadLetterRateHigh') && names.includes('VigilConsumerLagHigh'));
  });
});

describe('create-topics', () => {
  const kafka = new Kafka({ clientId: 'vigil-stack-test', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
  const admin: Admin = kafka.admin();
  // Every topic renamed through its TOPIC_* override, so the test owns them.
  const prefix = `test.topics.${randomUUID()}`;
  const env = Object.fromEntries(TOPIC_KEYS.map((k) => [TOPIC_CONTRACTS[k].env, `${prefix}.${k}`]));
  const plan = plannedTopics(env, { partitions: 3, replicationFactor: 1 });

  before(async () => {
    await admin.connect();
  });
  after(async () => {
    await admin.deleteTopics({ topics: plan.map((t) => t.topic) });
    await admin.disconnect();
  });

  test('plans every contract topic and its DLQ, with the overrides applied', () => {
    assert.equal(plan.length, 2 * TOPIC_KEYS.length);
    for (const key of TOPIC_KEYS) {
      assert.ok(plan.some((t) => t.topic === `${prefix}.${key}`));
      assert.ok(plan.some((t) => t.topic === `${prefix}.${key}.dlq`));
    }
  });

  test('the contract defaults include telemetry.raw and its DLQ', () => {
    const names = plannedTopics({}, { partitions: 4, replicationFactor: 1 }).map((t) => t.topic);
    assert.ok(names.includes('telemetry.raw') && names.includes('telemetry.raw.dlq'));
  });

  test('creates the missing topics with their partitions, then leaves them alone', async () => {
    const first = await ensureTopics(admin, plan);
    assert.deepEqual(first.created.sort(), plan.map((t) => t.topic).sort());
    const metadata = await admin.fetchTopicMetadata({ topics: plan.map((t) => t.topic) });
    for (const t of metadata.topics) assert.equal(t.partitions.length, 3, t.name);

    const second = await ensureTopics(admin, plan);
    assert.deepEqual(second.created, []);
    assert.equal(second.existing.length, plan.length);
    assert.deepEqual(second.fewerPartitions, []);
  });

  test('reports an existing topic with fewer partitions than planned', async () => {
    const wider = plan.slice(0, 1).map((t) => ({ ...t, numPartitions: 5 }));
    const report = await ensureTopics(admin, wider);
    assert.deepEqual(report.fewerPartitions, [{ topic: wider[0]?.topic, partitions: 3 }]);
  });
});
