import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Alert } from '@vigil/contracts';
import { stackEnv, TcpRelay, uniqueName, waitFor } from '@vigil/test-kit';
import {
  alertOf,
  deleteModel,
  liveReader,
  metricValue,
  produceAlerts,
  readScored,
  readSkab,
  registerBundleAsIs,
  type ScoringService,
  scoreOf,
  scoringTopics,
  setAlias,
  skabData,
  startScoring,
  suiteClients,
  TEST_RULES,
  trainAndRegister,
  workDir,
} from './fixture.ts';

const suite = suiteClients('scoring-registry-test');
const { kafka, cleanups } = suite;

/** Alerts of 8 entities for the test-rules module, numbered from `start`: a cycles 0..7, so some score ANOMALY (a > 5). */
function rulesAlerts(prefix: string, count: number, start = 0): Alert[] {
  return Array.from({ length: count }, (_, k) => {
    const i = start + k;
    return alertOf(`${prefix}-${i}`, `${prefix}-e${i % 8}`, 1_700_000_000_000 + i * 1_000, { a: i % 8, b: 1 });
  });
}

async function waitReady(service: ScoringService, what: (checks: Record<string, string>) => boolean = () => true) {
  return waitFor(
    'scoring readiness',
    async () => {
      const report = await service.readyz();
      return report.code === 200 && what(report.checks) ? report : undefined;
    },
    120_000,
    200,
  ).catch((error) => {
    throw new Error(`${(error as Error).message}\n${service.process.output().slice(-4_000)}`);
  });
}

/** A fresh model with the test-rules module as v1 (alias published) and the same bundle again as v2 (no alias). */
async function twoVersions(prefix: string, work: string): Promise<{ model: string; v1: string; v2: string }> {
  const model = uniqueName(prefix);
  cleanups.push(() => deleteModel(model));
  const out = join(work, model);
  const v1 = await trainAndRegister({ ...TEST_RULES, data: [TEST_RULES.data], model, out, alias: 'published' });
  const v2 = await registerBundleAsIs(out, model);
  return { model, v1, v2 };
}

describe('scoring: models from the MLflow registry', () => {
  it('swaps to the version the alias moves to while a stream flows: every alert scored once, one version per batch, no restart', async () => {
    const work = workDir('scoring-swap');
    cleanups.push(work.cleanup);
    const topics = await scoringTopics(suite.admin);
    cleanups.push(topics.cleanup);
    const { model, v1, v2 } = await twoVersions('swap', work.dir);
    const cache = join(work.dir, 'cache');
    const service = startScoring(topics, {
      SCORING_MODELS: `${model}@published`,
      SCORING_POLL_INTERVAL: '300ms',
      SCORING_MAX_BATCH_RECORDS: '20',
      SCORING_CACHE_DIR: cache,
    });
    cleanups.push(() => service.process.kill());
    await suite.codec.registerTopic(topics.input, 'vigil.Alert');
    await waitReady(service, (checks) => checks[`model ${model}@published`] === `v${v1}`);

    // Rounds of alerts every 100 ms; the alias moves after a few, and the stream goes on until the new version
    // shows in the output and for a while after, so that the swap happens mid-stream on any machine.
    const reader = await liveReader(kafka, suite.codec, topics.output);
    cleanups.push(() => reader.stop());
    const prefix = uniqueName('swap');
    const alerts: Alert[] = [];
    let moved = 0;
    for (let round = 0; round < 400 && (moved === 0 || round < moved + 15); round++) {
      const next = rulesAlerts(prefix, 30, alerts.length);
      alerts.push(...next);
      await produceAlerts(suite.producer, suite.codec, topics.input, next);
      if (round === 10) await setAlias(model, 'published', v2);
      if (moved === 0 && reader.scored.some((s) => scoreOf(s.value, model).version === v2)) moved = round;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(moved > 0, `v${v2} never served:\n${service.process.output().slice(-4_000)}`);
    await waitFor('every alert scored', () => (reader.scored.length >= alerts.length ? true : undefined), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // a duplicate would show up by now
    const scored = reader.scored;
    const ids = scored.map((s) => s.value.alert.id);
    assert.equal(ids.length, alerts.length, 'no alert lost or scored twice');
    assert.deepEqual([...ids].sort(), alerts.map((a) => a.id).sort(), 'exactly the input ids');
    const versions = scored.map((s) => scoreOf(s.value, model).version);
    assert.deepEqual([...new Set(versions)].sort(), [v1, v2].sort(), 'both versions scored part of the stream');
    for (const partition of new Set(scored.map((s) => s.message.partition))) {
      const inOrder = scored
        .filter((s) => s.message.partition === partition)
        .sort((a, b) => Number(BigInt(a.message.offset) - BigInt(b.message.offset)));
      const firstNew = inOrder.findIndex((s) => scoreOf(s.value, model).version === v2);
      assert.ok(firstNew > 0, `partition ${partition} saw v${v1} then v${v2}`);
      assert.ok(
        inOrder.slice(firstNew).every((s) => scoreOf(s.value, model).version === v2),
        'once swapped, never back',
      );
      // A batch is published with one scoredAt: none mixes the two versions.
      const byBatch = new Map<number, Set<string>>();
      for (const s of inOrder)
        byBatch.set(
          s.value.scoredAt,
          (byBatch.get(s.value.scoredAt) ?? new Set()).add(scoreOf(s.value, model).version),
        );
      assert.ok(
        [...byBatch.values()].every((v) => v.size === 1),
        'no batch scored half by each version',
      );
    }
    assert.ok(
      scored.every((s) => scoreOf(s.value, model).verdict !== 'MISSING'),
      'nothing went missing in the swap',
    );

    const metrics = await service.metrics();
    assert.equal(metricValue(metrics, 'vigil_scoring_model_swaps_total', { model }), 1);
    assert.equal(metricValue(metrics, 'vigil_scoring_model_info', { model, version: v2 }), 1);
    assert.equal(metricValue(metrics, 'vigil_scoring_model_info', { model, version: v1 }), 0);
    assert.equal(service.process.child.exitCode, null, 'the service kept running');
    assert.equal(service.process.output().match(/scoring running/g)?.length, 1, 'and was never restarted');
    for (const v of [v1, v2]) assert.ok(existsSync(join(cache, model, v, 'manifest.json')), `v${v} is cached`);
  });

  it('refuses a tampered version and one whose manifest does not match its tag; the good version keeps serving', async () => {
    const work = workDir('scoring-bad');
    cleanups.push(work.cleanup);
    const topics = await scoringTopics(suite.admin);
    cleanups.push(topics.cleanup);
    const data = await skabData(work.dir);
    const model = uniqueName('bad-envelope');
    cleanups.push(() => deleteModel(model));
    const out = join(work.dir, 'envelope');
    const good = await trainAndRegister({
      config: 'science/modules/skab-envelope.json',
      data: [data.normal],
      model,
      out,
      alias: 'published',
      extra: ['--first-rows', '2000'],
    });
    // Same manifest, one byte of the ONNX graph changed: only the file's sha256 can tell.
    const tampered = join(work.dir, 'tampered');
    cpSync(out, tampered, { recursive: true });
    const onnx = join(tampered, 'elements/envelope.onnx');
    const bytes = readFileSync(onnx);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    writeFileSync(onnx, bytes);
    const tamperedVersion = await registerBundleAsIs(tampered, model);
    const mislabelled = await registerBundleAsIs(out, model, { manifestTag: 'f'.repeat(64) });

    const service = startScoring(topics, {
      SCORING_MODELS: `${model}@published`,
      SCORING_POLL_INTERVAL: '300ms',
      SCORING_CACHE_DIR: join(work.dir, 'cache'),
    });
    cleanups.push(() => service.process.kill());
    await suite.codec.registerTopic(topics.input, 'vigil.Alert');
    await waitReady(service);
    const rows = readSkab(data.normal).slice(3_000, 3_300);
    const alerts = rows.map((row, i) => alertOf(`${model}-${i}`, 'pump-1', row.ts, row.values));
    await produceAlerts(suite.producer, suite.codec, topics.input, alerts.slice(0, 100));

    for (const [version, reason] of [
      [tamperedVersion, 'VIGIL_BUNDLE_HASH_MISMATCH'],
      [mislabelled, 'VIGIL_SCORING_MANIFEST_MISMATCH'],
    ] as const) {
      await setAlias(model, 'published', version);
      await waitFor(
        `v${version} refused with ${reason}`,
        async () =>
          metricValue(await service.metrics(), 'vigil_scoring_model_refused_total', { model, reason }) === 1 ||
          undefined,
        60_000,
        200,
      );
      const report = await service.readyz();
      assert.equal(report.code, 200, 'still ready: the good version serves');
      assert.match(
        report.checks[`model ${model}@published`] ?? '',
        new RegExp(`^v${good}; refused v${version}: ${reason}`),
      );
      assert.match(service.process.output(), new RegExp(`version ${version} refused; v${good} keeps serving`));
    }
    await produceAlerts(suite.producer, suite.codec, topics.input, alerts.slice(100));

    const scored = await readScored(kafka, suite.codec, topics.output, alerts.length);
    assert.equal(scored.length, alerts.length);
    for (const s of scored) {
      const score = scoreOf(s.value, model);
      assert.equal(score.version, good, 'every alert scored by the good version');
      assert.notEqual(score.verdict, 'MISSING');
    }
    const metrics = await service.metrics();
    assert.equal(metricValue(metrics, 'vigil_scoring_model_info', { model, version: good }), 1);
    assert.equal(metricValue(metrics, 'vigil_scoring_model_swaps_total', { model }), 0);
  });

  it('goes on scoring with what it has while MLflow is down, starts from the cache, and catches up when MLflow is back', async () => {
    const work = workDir('scoring-down');
    cleanups.push(work.cleanup);
    const topics = await scoringTopics(suite.admin);
    cleanups.push(topics.cleanup);
    const { model, v1, v2 } = await twoVersions('down', work.dir);
    const relay = new TcpRelay('127.0.0.1', Number(new URL(stackEnv.mlflowUri).port || 80));
    const port = await relay.open();
    cleanups.push(() => relay.cut());
    const env = {
      SCORING_MODELS: `${model}@published`,
      SCORING_POLL_INTERVAL: '300ms',
      SCORING_REGISTRY_TIMEOUT: '1s',
      SCORING_CACHE_DIR: join(work.dir, 'cache'),
      SCORING_GROUP_ID: uniqueName('scoring-down'),
      MLFLOW_TRACKING_URI: `http://127.0.0.1:${port}`,
    };
    await suite.codec.registerTopic(topics.input, 'vigil.Alert');
    const alerts = rulesAlerts(uniqueName('down'), 400);
    const batch = (k: number) => alerts.slice(k * 100, (k + 1) * 100);
    const versionsOf = async (count: number) =>
      (await readScored(kafka, suite.codec, topics.output, count)).map(
        (s) => [s.value.alert.id, scoreOf(s.value, model)] as const,
      );

    let service = startScoring(topics, env);
    cleanups.push(() => service.process.kill());
    await waitReady(service, (checks) => checks.registry === 'ok');
    await produceAlerts(suite.producer, suite.codec, topics.input, batch(0));
    assert.ok((await versionsOf(100)).every(([, s]) => s.version === v1));

    // MLflow goes away; the alias moves meanwhile (the service cannot see it).
    await relay.cut();
    await setAlias(model, 'published', v2);
    const stale = await waitReady(service, (checks) => /^stale/.test(checks.registry ?? ''));
    assert.match(
      stale.checks[`model ${model}@published`] ?? '',
      new RegExp(`^v${v1}; registry stale since .* \\(VIGIL_MLFLOW_UNAVAILABLE\\)`),
    );
    assert.equal(metricValue(await service.metrics(), 'vigil_scoring_registry_stale'), 1);
    await produceAlerts(suite.producer, suite.codec, topics.input, batch(1));
    const second = (await versionsOf(200)).filter(([id]) => batch(1).some((a) => a.id === id));
    assert.equal(second.length, 100);
    assert.ok(
      second.every(([, s]) => s.version === v1 && s.verdict !== 'MISSING'),
      'scoring went on with v1',
    );

    // A restart while MLflow is still down loads the version the alias last had from the cache.
    assert.equal(await service.process.kill('SIGTERM'), 0);
    service = startScoring(topics, env);
    cleanups.push(() => service.process.kill());
    await waitReady(service, (checks) => /^stale/.test(checks.registry ?? ''));
    assert.match(service.process.output(), /registry unreachable: serving the cached version the alias last had/);
    await produceAlerts(suite.producer, suite.codec, topics.input, batch(2));
    const third = (await versionsOf(300)).filter(([id]) => batch(2).some((a) => a.id === id));
    assert.equal(third.length, 100);
    assert.ok(
      third.every(([, s]) => s.version === v1 && s.verdict !== 'MISSING'),
      'scored from the cache',
    );

    // MLflow is back: not stale any more, and the alias move is picked up.
    await relay.open(port);
    await waitReady(service, (checks) => checks.registry === 'ok' && checks[`model ${model}@published`] === `v${v2}`);
    assert.equal(metricValue(await service.metrics(), 'vigil_scoring_registry_stale'), 0);
    await produceAlerts(suite.producer, suite.codec, topics.input, batch(3));
    const fourth = (await versionsOf(400)).filter(([id]) => batch(3).some((a) => a.id === id));
    assert.equal(fourth.length, 100);
    assert.ok(fourth.every(([, s]) => s.version === v2));
  });
});
