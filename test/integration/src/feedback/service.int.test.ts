import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AvroCodec } from '@vigil/avro';
import {
  DLQ_HEADERS,
  dlqTopic,
  type FeedbackRequest,
  type Score,
  type ScoredAlert,
  type Verdict,
} from '@vigil/contracts';
import { compileFeedbackPolicies, type FeedbackPolicyFile, requestsOf } from '@vigil/feedback';
import { mulberry32 } from '@vigil/random';
import {
  consumerLag,
  freePort,
  type ReadMessage,
  readTopics,
  redisFixture,
  stackEnv,
  startService,
  testKafka,
  uniqueName,
  waitFor,
} from '@vigil/test-kit';

/** Rates high enough that a few hundred alerts give every reason; a model of its own with its own seed. */
const POLICY: FeedbackPolicyFile = {
  defaults: { randomRate: 0.15, borderline: { rate: 0.5, halfWidth: 0.03 } },
  models: { 'pump-rules': { randomRate: 0.05, seed: 'rules-own' }, 'pump-iforest@challenger': { randomRate: 0.3 } },
};
const THRESHOLDS = { unsureAbove: 0.9, anomalyAbove: 0.95 };
const SCORERS = [
  { module: 'iforest', model: 'pump-iforest', version: '4', alias: 'published' },
  { module: 'iforest', model: 'pump-iforest', version: '5', alias: 'challenger' },
  { module: 'rules', model: 'pump-rules', version: '1', alias: 'published' },
] as const;
const T0 = Date.parse('2026-02-02T00:00:00Z');

/** Scored alerts of 6 pumps, one a minute, with every verdict and scores spread over the borderline band. */
function scoredStream(count: number): ScoredAlert[] {
  const next = mulberry32(91);
  return Array.from({ length: count }, (_, i) => {
    const entity = `pump-${i % 6}`;
    const ts = T0 + Math.floor(i / 6) * 60_000;
    const scores: Score[] = SCORERS.map((s) => {
      const roll = next();
      const calibrated = roll < 0.03 ? null : 0.7 + next() * 0.3;
      const verdict: Verdict =
        calibrated === null
          ? 'MISSING'
          : calibrated >= THRESHOLDS.anomalyAbove
            ? 'ANOMALY'
            : calibrated >= THRESHOLDS.unsureAbove
              ? 'UNSURE'
              : 'NORMAL';
      return {
        ...s,
        raw: calibrated,
        calibrated,
        verdict,
        missingReason: verdict === 'MISSING' ? 'TIMEOUT' : null,
        thresholds: THRESHOLDS,
        elements: [],
        contributors: [{ signal: 'flow', weight: 1 }],
        latencyMs: 1,
      };
    });
    return {
      alert: {
        id: `fb-${i}`,
        source: 'feedback-test',
        entity,
        ts,
        ingestedAt: ts,
        values: { flow: next() },
        attrs: { site: 'north' },
        features: { 'flow.mean_5m': next() },
        origin: { topic: 'telemetry.raw', partition: 0, offset: String(i), format: 'JSON' },
      },
      scores,
      scoredAt: ts + 5,
    };
  });
}

/** Sum of one metric's samples in Prometheus text whose labels include `labels`. */
function total(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

const withoutRequestedAt = ({ requestedAt: _, ...rest }: FeedbackRequest) => rest;

describe('feedback service through Kafka', { timeout: 240_000 }, () => {
  it('requests exactly what the pure core decides, once: a replay adds none, a bad record goes to the DLQ', async (t) => {
    const kafka = testKafka(uniqueName('feedback-test'));
    const admin = kafka.admin();
    const producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
    const codec = await AvroCodec.connect({ registryUrl: stackEnv.registryUrl });
    const redis = await redisFixture('feedback-service');
    const dir = mkdtempSync(join(tmpdir(), 'vigil-feedback-'));
    const policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify(POLICY));
    const cleanups: (() => Promise<unknown>)[] = [];
    t.after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      await Promise.all([producer.disconnect(), redis.cleanup()]);
      await admin.disconnect();
      rmSync(dir, { recursive: true, force: true });
    });

    const input = uniqueName('feedback-scored');
    const output = uniqueName('feedback-requests');
    const group = uniqueName('feedback-group');
    cleanups.push(() => admin.deleteTopics({ topics: [input, dlqTopic(input), output] }));
    await admin.createTopics({
      waitForLeaders: true,
      topics: [input, dlqTopic(input), output].map((topic) => ({ topic, numPartitions: 3 })),
    });
    await codec.registerTopic(input, 'vigil.ScoredAlert');

    const alerts = scoredStream(600);
    const policies = compileFeedbackPolicies(POLICY);
    const expected = new Map(alerts.flatMap((a) => requestsOf(a, policies, 0)).map((r) => [r.requestId, r]));
    const reasons = new Map<string, number>();
    for (const r of expected.values()) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
    assert.ok(
      ['UNSURE', 'RANDOM', 'BORDERLINE'].every((reason) => (reasons.get(reason) ?? 0) > 20),
      `every reason is requested: ${JSON.stringify([...reasons])}`,
    );

    const received: { key: string | null; request: FeedbackRequest }[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('feedback-reader') });
    await consumer.connect();
    cleanups.push(() => consumer.disconnect());
    await consumer.subscribe({ topics: [output], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (!message.value) return;
        const request = await codec.decodeAs(message.value, 'vigil.FeedbackRequest');
        received.push({ key: message.key?.toString() ?? null, request });
      },
    });

    const produce = async (batch: readonly ScoredAlert[]) => {
      for (let i = 0; i < batch.length; i += 200) {
        const messages = batch.slice(i, i + 200).map((scored) => ({
          key: scored.alert.entity,
          value: codec.encode<'vigil.ScoredAlert'>(input, scored),
        }));
        await producer.send({ topic: input, messages });
      }
    };
    await produce(alerts);
    await producer.send({ topic: input, messages: [{ key: 'pump-0', value: Buffer.from('not avro') }] });

    const port = await freePort();
    const service = startService('feedback', {
      KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stackEnv.registryUrl,
      REDIS_URL: stackEnv.redisUrl,
      TOPIC_ALERTS_SCORED: input,
      TOPIC_FEEDBACK_REQUESTS: output,
      FEEDBACK_GROUP_ID: group,
      FEEDBACK_CLIENT_ID: group,
      FEEDBACK_REDIS_PREFIX: redis.prefix,
      FEEDBACK_POLICY: policyFile,
      FEEDBACK_METRICS_PORT: String(port),
      FEEDBACK_MAX_BATCH_RECORDS: '100',
      FEEDBACK_SESSION_TIMEOUT: '6s',
    });
    cleanups.push(() => service.kill('SIGKILL'));
    const settled = async (what: string) => {
      await waitFor(
        what,
        async () => ((await consumerLag(admin, group, [input])) === 0 ? true : undefined),
        120_000,
        100,
      );
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // deliberate: a late or duplicate request would arrive by now
    };
    await waitFor('every expected request', () => (received.length >= expected.size ? true : undefined), 120_000, 50);
    await settled('the input to be consumed');
    assert.equal(received.length, expected.size, 'no request twice');

    // A replay of the same records (a re-run, or offsets reset): decided again, deduplicated in Redis.
    await produce(alerts);
    await produce(alerts.slice(0, 50));
    await settled('the replay to be consumed');
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.equal(await service.kill('SIGTERM'), 0, service.output());

    assert.equal(received.length, expected.size, 'the replay requested nothing new');
    for (const { key, request } of received) {
      const want = expected.get(request.requestId);
      assert.ok(want, `request ${request.requestId} is one the core decided`);
      assert.deepEqual(withoutRequestedAt(request), withoutRequestedAt(want));
      assert.equal(key, request.alertId, 'keyed by alert id');
      assert.ok(request.requestedAt > T0);
    }
    for (const [reason, count] of reasons)
      assert.equal(total(metrics, 'vigil_feedback_requests_total', { reason }), count, reason);
    const requested = [...expected.values()];
    const weight = requested.reduce((sum, r) => sum + 1 / r.inclusionProbability, 0);
    assert.ok(Math.abs(total(metrics, 'vigil_feedback_request_weight_total') - weight) < 1e-6, 'Σ 1/π');
    assert.equal(total(metrics, 'vigil_feedback_scores_total'), (alerts.length * 2 + 50) * SCORERS.length);
    const replayedRequests = requested.length + requested.filter((r) => Number(r.alertId.slice(3)) < 50).length;
    assert.equal(total(metrics, 'vigil_feedback_duplicate_requests_total'), replayedRequests);
    assert.equal(total(metrics, 'vigil_records_dead_lettered_total', { code: 'VIGIL_AVRO_BAD_MAGIC_BYTE' }), 1);

    const dead: ReadMessage[] = await readTopics(kafka, [dlqTopic(input)], { until: (m) => m.length >= 1 });
    assert.equal(dead.length, 1);
    assert.equal(dead[0]?.headers[DLQ_HEADERS.code], 'VIGIL_AVRO_BAD_MAGIC_BYTE');
    assert.equal(dead[0]?.value.toString(), 'not avro');
  });
});
