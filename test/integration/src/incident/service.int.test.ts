import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AvroCodec } from '@vigil/avro';
import { dlqTopic, type Incident, type ScoredAlert } from '@vigil/contracts';
import {
  consumerLag,
  freePort,
  redisFixture,
  type ServiceProcess,
  stackEnv,
  startService,
  testKafka,
  uniqueName,
  waitFor,
} from '@vigil/test-kit';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { expectedTransitions, scoredStream, TEST_RULES, transitionId, withoutProcessedAt } from './stream.ts';

interface Run {
  input: string;
  incidents: string;
  shadow: string;
  group: string;
  prefix: string;
}

interface Received {
  topic: string;
  incident: Incident;
}

/** The value of one series in Prometheus text, by name and labels (others ignored); NaN when absent. */
function sample(text: string, name: string, labels: Record<string, string | undefined>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').at(-1));
  }
  return Number.NaN;
}

describe('incident service through Kafka', { timeout: 300_000 }, () => {
  const kafka = testKafka(uniqueName('incident-test'));
  let admin: Admin;
  let producer: Producer;
  let codec: AvroCodec;
  let redis: Awaited<ReturnType<typeof redisFixture>>;
  let dir: string;
  let rulesFile: string;
  const topics: string[] = [];
  const consumers: Consumer[] = [];
  const services: ServiceProcess[] = [];

  before(async () => {
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer();
    await producer.connect();
    codec = await AvroCodec.connect({ registryUrl: stackEnv.registryUrl });
    redis = await redisFixture('incident-service');
    dir = mkdtempSync(join(tmpdir(), 'vigil-incident-'));
    rulesFile = join(dir, 'rules.json');
    writeFileSync(rulesFile, JSON.stringify(TEST_RULES));
  });

  after(async () => {
    for (const service of services) await service.kill('SIGKILL');
    for (const consumer of consumers) await consumer.disconnect();
    await producer.disconnect();
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => {});
    await admin.disconnect();
    await redis.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  async function newRun(name: string): Promise<Run> {
    const run: Run = {
      input: uniqueName(`${name}-scored`),
      incidents: uniqueName(`${name}-incidents`),
      shadow: uniqueName(`${name}-shadow`),
      group: uniqueName(`${name}-group`),
      prefix: `${redis.prefix}${name}:`,
    };
    const names = [run.input, dlqTopic(run.input), run.incidents, run.shadow];
    topics.push(...names);
    await admin.createTopics({ waitForLeaders: true, topics: names.map((topic) => ({ topic, numPartitions: 3 })) });
    await codec.registerTopic(run.input, 'vigil.ScoredAlert');
    return run;
  }

  async function produce(run: Run, alerts: readonly ScoredAlert[]): Promise<void> {
    for (let i = 0; i < alerts.length; i += 500) {
      const messages = alerts.slice(i, i + 500).map((scored) => ({
        key: scored.alert.entity,
        value: codec.encode<'vigil.ScoredAlert'>(run.input, scored),
      }));
      await producer.send({ topic: run.input, messages });
    }
  }

  function start(run: Run, extra: Record<string, string> = {}): ServiceProcess {
    const service = startService('incident', {
      KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stackEnv.registryUrl,
      REDIS_URL: stackEnv.redisUrl,
      TOPIC_ALERTS_SCORED: run.input,
      TOPIC_INCIDENTS: run.incidents,
      TOPIC_INCIDENTS_SHADOW: run.shadow,
      INCIDENT_GROUP_ID: run.group,
      INCIDENT_CLIENT_ID: run.group,
      INCIDENT_REDIS_PREFIX: run.prefix,
      INCIDENT_CONFIG: rulesFile,
      INCIDENT_METRICS_PORT: '0',
      // The broker's minimum: a killed member's partitions move on after 6 s, not 30.
      INCIDENT_SESSION_TIMEOUT: '6s',
      ...extra,
    });
    services.push(service);
    return service;
  }

  /** Reads both output topics from the beginning into `received`, decoded. */
  async function collect(run: Run): Promise<Received[]> {
    const received: Received[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('incident-reader') });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [run.incidents, run.shadow], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (!message.value) return;
        received.push({ topic, incident: await codec.decodeAs(message.value, 'vigil.Incident') });
      },
    });
    return received;
  }

  const distinct = (received: readonly Received[]) => new Set(received.map((r) => transitionId(r.incident))).size;

  /** Every expected transition arrived on the right topic, copies are identical, and nothing else arrived. */
  function assertSameTransitions(received: readonly Received[], expected: readonly Incident[], run: Run): void {
    const byId = new Map<string, Received[]>();
    for (const r of received) {
      const id = transitionId(r.incident);
      byId.set(id, [...(byId.get(id) ?? []), r]);
    }
    assert.deepEqual([...byId.keys()].sort(), expected.map(transitionId).sort(), 'the same (incidentId, sequence) set');
    for (const want of expected) {
      for (const copy of byId.get(transitionId(want)) ?? []) {
        assert.deepEqual(withoutProcessedAt(copy.incident), withoutProcessedAt(want));
        assert.equal(copy.topic, want.alias === 'published' ? run.incidents : run.shadow);
      }
    }
  }

  /** Waits until `share` of the expected transitions arrived (distinct ones). */
  async function reached(share: number, received: Received[], expected: Incident[]): Promise<void> {
    const want = expected.length * share;
    await waitFor(
      `${share * 100}% of the transitions`,
      () => (distinct(received) >= want ? true : undefined),
      180_000,
      10,
    );
  }

  /** Waits for every expected transition and an empty input backlog, then a second for anything still on its way. */
  async function settled(run: Run, received: Received[], expected: Incident[]): Promise<void> {
    await reached(1, received, expected);
    await waitFor(
      'the input to be consumed',
      async () => ((await consumerLag(admin, run.group, [run.input])) === 0 ? true : undefined),
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // deliberate: a late duplicate would arrive by now
  }

  async function stop(service: ServiceProcess): Promise<void> {
    assert.equal(await service.kill('SIGTERM'), 0, service.output());
  }

  it('a clean run emits every expected transition exactly once; replaying the input emits none', async () => {
    const run = await newRun('clean');
    const alerts = scoredStream(8, 90);
    const expected = expectedTransitions(alerts);
    assert.ok(expected.length > 300, `${expected.length} transitions`);
    const received = await collect(run);
    await produce(run, alerts);
    await producer.send({ topic: run.input, messages: [{ key: 'pump-0', value: Buffer.from('not avro') }] });
    const port = await freePort();
    const service = start(run, { INCIDENT_METRICS_PORT: String(port) });
    await reached(1, received, expected);

    await produce(run, alerts);
    await produce(run, alerts.slice(0, 100));
    await settled(run, received, expected);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    await stop(service);
    assert.equal(received.length, expected.length, 'no transition twice, none from the replay');
    assertSameTransitions(received, expected, run);

    const transitions = new Map<string, number>();
    const lastStatus = new Map<string, Incident>();
    for (const i of expected) {
      const key = `${i.status}/${i.alias}`;
      transitions.set(key, (transitions.get(key) ?? 0) + 1);
      lastStatus.set(i.incidentId, i);
    }
    for (const [key, count] of transitions) {
      const [status, alias] = key.split('/');
      assert.equal(sample(metrics, 'vigil_incident_transitions_total', { status, alias }), count, key);
    }
    for (const alias of ['published', 'challenger']) {
      const open = [...lastStatus.values()].filter((i) => i.alias === alias && i.status !== 'CLOSED').length;
      assert.equal(sample(metrics, 'vigil_incidents_open', { alias }), open, `open ${alias}`);
    }
    assert.equal(sample(metrics, 'vigil_incident_replayed_scores_total', {}), 100 * 3 + alerts.length * 3);
    assert.equal(sample(metrics, 'vigil_records_dead_lettered_total', { code: 'VIGIL_AVRO_BAD_MAGIC_BYTE' }), 1);
    const dlq = await admin.fetchTopicOffsets(dlqTopic(run.input));
    assert.equal(
      dlq.reduce((n, p) => n + Number(p.high), 0),
      1,
      'the bad record is on the DLQ',
    );
  });

  it('kill -9 mid-stream and restart: no transition lost, none duplicated', async (t) => {
    const run = await newRun('kill');
    const alerts = scoredStream(10, 120, 11);
    const expected = expectedTransitions(alerts);
    const received = await collect(run);
    await produce(run, alerts);
    const small = { INCIDENT_MAX_BATCH_RECORDS: '20' };

    const first = start(run, small);
    await reached(0.4, received, expected);
    await first.kill('SIGKILL');
    const atKill = distinct(received);
    assert.ok(atKill < expected.length, 'killed mid-stream');

    const last = start(run, small);
    await settled(run, received, expected);
    await stop(last);
    t.diagnostic(
      `${expected.length} transitions expected, ${atKill} distinct before kill -9, ${received.length} messages read in all`,
    );
    assertSameTransitions(received, expected, run);
  });

  it('transitions published before a refused state write are re-published identically after kill -9', async (t) => {
    // A Redis user of its own, allowed only this run's keys; taking away SET makes every state write fail
    // after Kafka acknowledged the transitions: the loop retries the batch and publishes them again.
    const run = await newRun('refused');
    const user = uniqueName('vigil-test-incident');
    const password = uniqueName('pw');
    await redis.redis.call('ACL', 'SETUSER', user, 'on', `>${password}`, `~${run.prefix}*`, '+@all');
    const url = new URL(stackEnv.redisUrl);
    url.username = user;
    url.password = password;
    try {
      const alerts = scoredStream(6, 90, 23);
      const expected = expectedTransitions(alerts);
      const received = await collect(run);
      await produce(run, alerts);
      const env = { REDIS_URL: url.toString(), INCIDENT_MAX_BATCH_RECORDS: '20' };

      const first = start(run, env);
      await reached(0.3, received, expected);
      await redis.redis.call('ACL', 'SETUSER', user, '-set');
      await waitFor('a transition published twice', () => (received.length > distinct(received) ? true : undefined));
      await first.kill('SIGKILL');
      await redis.redis.call('ACL', 'SETUSER', user, '+set');

      const last = start(run, env);
      await settled(run, received, expected);
      await stop(last);
      t.diagnostic(`${expected.length} transitions expected, ${received.length} messages read in all`);
      assert.ok(received.length > expected.length, 'some transitions were published twice');
      assertSameTransitions(received, expected, run);
    } finally {
      await redis.redis.call('ACL', 'DELUSER', user);
    }
  });
});
