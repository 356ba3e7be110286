import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeWire } from '@vigil/avro';
import { DLQ_HEADERS, type Score } from '@vigil/contracts';
import { readTopics, uniqueName, waitFor } from '@vigil/test-kit';
import {
  alertOf,
  deleteModel,
  metricValue,
  produceAlerts,
  readScored,
  registerBundleAsIs,
  scoreOf,
  scoringTopics,
  startScoring,
  suiteClients,
  TEST_RULES,
  trainAndRegister,
  workDir,
} from './fixture.ts';

const suite = suiteClients('scoring-isolation-test');
const { kafka, cleanups } = suite;

const TIMEOUT_MS = 1_000;
const BATCH = 50;

describe('scoring: module isolation', () => {
  it('keeps a good module scoring every alert at full rate beside a hanging and a crashing one; dead-letters junk', async () => {
    const work = workDir('scoring-isolation');
    cleanups.push(work.cleanup);
    const topics = await scoringTopics(suite.admin);
    cleanups.push(topics.cleanup);
    // Three registered models with the same real bundle; fault injection (a test hook) makes two of them misbehave.
    const [good, hanging, crashing] = ['good', 'hanging', 'crashing'].map((n) => uniqueName(n)) as [
      string,
      string,
      string,
    ];
    for (const model of [good, hanging, crashing]) cleanups.push(() => deleteModel(model));
    const out = join(work.dir, 'bundle');
    await trainAndRegister({ ...TEST_RULES, data: [TEST_RULES.data], model: good, out, alias: 'published' });
    await registerBundleAsIs(out, hanging, { alias: 'published' });
    await registerBundleAsIs(out, crashing, { alias: 'published' });

    const service = startScoring(topics, {
      SCORING_MODELS: `${good}@published,${hanging}@published,${crashing}@published`,
      SCORING_CACHE_DIR: join(work.dir, 'cache'),
      SCORING_MODULE_TIMEOUT: `${TIMEOUT_MS}ms`,
      SCORING_MAX_BATCH_RECORDS: String(BATCH),
      SCORING_RESTART_BACKOFF_MAX: '4s',
      VIGIL_FAULT_INJECTION: '1',
      SCORING_FAULTS: `${hanging}@published=hang;${crashing}@published=crash`,
    });
    cleanups.push(() => service.process.kill());
    await suite.codec.registerTopic(topics.input, 'vigil.Alert');
    await waitFor('scoring ready', async () => ((await service.readyz()).code === 200 ? true : undefined), 120_000);

    // 30 rounds of 50 alerts, 100 ms apart; ingestedAt is the produce time, so scoredAt − ingestedAt is the added latency.
    const alerts = [];
    const prefix = uniqueName('iso');
    for (let round = 0; round < 30; round++) {
      const now = Date.now();
      const next = Array.from({ length: 50 }, (_, k) => {
        const i = round * 50 + k;
        return {
          ...alertOf(`${prefix}-${i}`, `${prefix}-e${i % 8}`, 1_700_000_000_000 + i, { a: i % 8, b: 1 }),
          ingestedAt: now,
        };
      });
      alerts.push(...next);
      await produceAlerts(suite.producer, suite.codec, topics.input, next);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const junk = [Buffer.from('{"not":"avro"}'), writeWire(999_999_999, Buffer.from([1, 2, 3]))];
    await suite.producer.send({ topic: topics.input, messages: junk.map((value, i) => ({ key: `junk-${i}`, value })) });

    const scored = await readScored(kafka, suite.codec, topics.output, alerts.length);
    assert.equal(scored.length, alerts.length, 'every alert scored once');
    assert.deepEqual(scored.map((s) => s.value.alert.id).sort(), alerts.map((a) => a.id).sort());

    const seen: Record<string, Map<string, number>> = { [hanging]: new Map(), [crashing]: new Map() };
    for (const { value } of scored) {
      assert.equal(value.scores.length, 3, 'one score per configured module');
      const a = value.alert.values.a ?? Number.NaN;
      const score: Score = scoreOf(value, good);
      assert.equal(score.verdict, a > 5 ? 'ANOMALY' : 'NORMAL', `the good module scored ${value.alert.id}`);
      for (const model of [hanging, crashing]) {
        const bad = scoreOf(value, model);
        assert.equal(bad.verdict, 'MISSING');
        const counts = seen[model] as Map<string, number>;
        counts.set(bad.missingReason ?? '', (counts.get(bad.missingReason ?? '') ?? 0) + 1);
      }
    }
    const hung = seen[hanging] as Map<string, number>;
    const crashed = seen[crashing] as Map<string, number>;
    assert.deepEqual([...hung.keys()].sort(), ['MODULE_RESTARTING', 'MODULE_TIMEOUT']);
    assert.deepEqual([...crashed.keys()].sort(), ['MODULE_CRASHED', 'MODULE_RESTARTING']);
    // Only the first batch waited for the hung module: a restarted isolate is probed in the background.
    assert.ok(
      (hung.get('MODULE_TIMEOUT') ?? 0) <= BATCH,
      `${hung.get('MODULE_TIMEOUT')} alerts waited for the time-out`,
    );

    // Full rate: the stream lost one time budget to the hung module, then caught up; the end of it
    // (the last 300 alerts, produced 2.4 s or more after the start) never waited anywhere near the budget.
    const tail = new Set(alerts.slice(-300).map((a) => a.id));
    const lag = scored
      .filter(({ value }) => tail.has(value.alert.id))
      .map(({ value }) => value.scoredAt - value.alert.ingestedAt);
    assert.ok(Math.max(...lag) < TIMEOUT_MS, `the stream caught up: the last alerts took up to ${Math.max(...lag)} ms`);

    const metrics = await service.metrics();
    assert.equal(
      metricValue(metrics, 'vigil_scoring_module_failures_total', { model: hanging, reason: 'MODULE_TIMEOUT' }),
      1,
    );
    assert.ok(
      metricValue(metrics, 'vigil_scoring_module_failures_total', { model: crashing, reason: 'MODULE_CRASHED' }) >= 1,
    );
    assert.ok(metricValue(metrics, 'vigil_scoring_module_restarts_total', { model: hanging }) >= 1);
    assert.equal(metricValue(metrics, 'vigil_scoring_module_failures_total', { model: good }), 0);
    assert.equal(metricValue(metrics, 'vigil_scoring_verdicts_total', { model: good, verdict: 'MISSING' }), 0);
    assert.equal(
      metricValue(metrics, 'vigil_scoring_verdicts_total', { model: good, verdict: 'ANOMALY' }),
      alerts.filter((a) => (a.values.a ?? 0) > 5).length,
    );
    assert.ok(metricValue(metrics, 'vigil_scoring_score_calibrated_count', { model: good }) === alerts.length);

    const dead = await readTopics(kafka, [topics.dlq], { until: (m) => m.length >= junk.length });
    assert.deepEqual(dead.map((m) => m.headers[DLQ_HEADERS.code]).sort(), [
      'VIGIL_AVRO_BAD_MAGIC_BYTE',
      'VIGIL_AVRO_UNKNOWN_SCHEMA',
    ]);
    assert.equal(service.process.child.exitCode, null, 'the service is still running');
  });
});
