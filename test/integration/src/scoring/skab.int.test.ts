import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Alert } from '@vigil/contracts';
import { uniqueName, waitFor } from '@vigil/test-kit';
import {
  alertOf,
  deleteModel,
  produceAlerts,
  readScored,
  readSkab,
  type SkabRow,
  scoreOf,
  scoringTopics,
  skabData,
  startScoring,
  suiteClients,
  trainAndRegister,
  workDir,
} from './fixture.ts';

const suite = suiteClients('scoring-skab-test');
const { kafka, cleanups } = suite;

/** SKAB's protocol: the first 400 rows of the labelled file (plus the anomaly-free file) train; the rest is tested. */
const TRAIN_ROWS = 400;

function share(rows: readonly { verdict: string }[]): number {
  return rows.filter((r) => r.verdict === 'ANOMALY').length / Math.max(rows.length, 1);
}

describe('scoring end to end through Kafka on SKAB', () => {
  it('gives ANOMALY verdicts inside the labelled segment, and almost none on the anomaly-free file', async (t) => {
    const work = workDir('scoring-skab');
    cleanups.push(work.cleanup);
    const data = await skabData(work.dir);
    t.diagnostic(`data: ${data.origin}`);
    const topics = await scoringTopics(suite.admin);
    cleanups.push(topics.cleanup);
    const model = uniqueName('skab-envelope');
    cleanups.push(() => deleteModel(model));
    await trainAndRegister({
      config: 'science/modules/skab-envelope.json',
      data: [data.anomalous],
      model,
      out: join(work.dir, 'bundle'),
      alias: 'published',
      extra: ['--first-rows', String(TRAIN_ROWS), '--full-data', data.normal],
    });

    const service = startScoring(topics, {
      SCORING_MODELS: `${model}@published`,
      SCORING_CACHE_DIR: join(work.dir, 'cache'),
    });
    cleanups.push(() => service.process.kill());
    await suite.codec.registerTopic(topics.input, 'vigil.Alert');
    await waitFor('scoring ready', async () => ((await service.readyz()).code === 200 ? true : undefined), 120_000);

    const run = uniqueName('skab');
    const asAlerts = (rows: SkabRow[], entity: string): Alert[] =>
      rows.map((row, i) => alertOf(`${entity}#${i}`, entity, row.ts, row.values));
    const anomalousRows = readSkab(data.anomalous);
    const normalRows = readSkab(data.normal);
    const anomalous = asAlerts(anomalousRows, `${run}/anomalous`);
    const normal = asAlerts(normalRows, `${run}/normal`);
    for (let i = 0; i < Math.max(anomalous.length, normal.length); i += 500) {
      await produceAlerts(suite.producer, suite.codec, topics.input, [
        ...anomalous.slice(i, i + 500),
        ...normal.slice(i, i + 500),
      ]);
    }

    const scored = await readScored(kafka, suite.codec, topics.output, anomalous.length + normal.length, 240_000);
    assert.equal(scored.length, anomalous.length + normal.length, 'every alert scored once');
    const verdicts = new Map(scored.map(({ value }) => [value.alert.id, scoreOf(value, model).verdict]));
    assert.equal(verdicts.size, scored.length, 'no alert scored twice');

    const tested = anomalousRows
      .map((row, i) => ({ anomaly: row.anomaly, verdict: verdicts.get(anomalous[i]?.id ?? '') ?? 'LOST' }))
      .slice(TRAIN_ROWS);
    const inside = tested.filter((r) => r.anomaly);
    const outside = tested.filter((r) => !r.anomaly);
    const onNormal = normal.map((a) => ({ verdict: verdicts.get(a.id) ?? 'LOST' }));
    t.diagnostic(
      `ANOMALY share: labelled segment ${share(inside).toFixed(3)} (${inside.length} rows), rest of the file ${share(outside).toFixed(3)}, anomaly-free file ${share(onNormal).toFixed(4)} (${onNormal.length} rows)`,
    );
    assert.ok(inside.length > 0, 'the file has a labelled segment after the training rows');
    assert.ok(share(inside) >= 0.5, 'most of the labelled segment is ANOMALY');
    assert.ok(share(inside) > share(outside), 'ANOMALY is more frequent inside the segment than outside');
    assert.ok(share(onNormal) <= 0.01, 'almost no ANOMALY on the anomaly-free file');
    assert.ok([...verdicts.values()].every((v) => v !== 'MISSING'));
  });
});
