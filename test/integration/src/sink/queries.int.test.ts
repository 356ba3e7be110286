import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { StoreQueries, StoreWriter } from '@vigil/sink';
import { stackEnv } from '@vigil/test-kit';
import { incident, label, type StoreFixture, score, scoredAlert, storeFixture, T0 } from './fixture.ts';

const run = promisify(execFile);
const CLI = new URL('../../../../services/sink/src/cli.ts', import.meta.url).pathname;
const MINUTE = 60_000;

describe('store queries and CLI', () => {
  let fixture: StoreFixture;
  let queries: StoreQueries;

  async function cli(...args: string[]) {
    const env = { ...process.env, DATABASE_URL: stackEnv.databaseUrl, SINK_DB_SCHEMA: fixture.schema };
    return run(process.execPath, ['--import', 'tsx', CLI, ...args], { env });
  }

  before(async () => {
    fixture = await storeFixture();
    queries = new StoreQueries(fixture.pool);
    const published = (calibrated: number) => score({ calibrated, verdict: calibrated > 0.95 ? 'ANOMALY' : 'NORMAL' });
    const challenger = score({ alias: 'challenger', version: '4', calibrated: 0.5, verdict: 'UNSURE' });
    await new StoreWriter(fixture.pool).write({
      scoredAlerts: [
        scoredAlert('h1-0', T0, [published(0.2), challenger]),
        scoredAlert('h1-1', T0 + MINUTE, [published(0.97), challenger]),
        scoredAlert('h1-2', T0 + 2 * MINUTE, [published(0.99), challenger]),
        scoredAlert('h2-0', T0 + MINUTE, [published(0.98)], 'host-2'),
      ],
      incidents: [
        // host-1: opened, updated, closed.
        { incident: incident({ incidentId: 'inc-a', alertIds: ['h1-1'], openedAt: T0 + MINUTE }), topic: 'incidents' },
        {
          incident: incident({
            incidentId: 'inc-a',
            sequence: 1,
            status: 'UPDATED',
            alertIds: ['h1-1', 'h1-2'],
            openedAt: T0 + MINUTE,
            lastAnomalyAt: T0 + 2 * MINUTE,
          }),
          topic: 'incidents',
        },
        {
          incident: incident({
            incidentId: 'inc-a',
            sequence: 2,
            status: 'CLOSED',
            alertIds: ['h1-1', 'h1-2', 'h1-missing'],
            openedAt: T0 + MINUTE,
            lastAnomalyAt: T0 + 2 * MINUTE,
            closedAt: T0 + 30 * MINUTE,
          }),
          topic: 'incidents',
        },
        // host-2: still open, on the shadow topic.
        {
          incident: incident({
            incidentId: 'inc-b',
            entity: 'host-2',
            alias: 'challenger',
            actionable: false,
            alertIds: ['h2-0'],
            openedAt: T0 + MINUTE,
            lastAnomalyAt: T0 + MINUTE,
          }),
          topic: 'incidents.shadow',
        },
      ],
      labels: [
        label({ alertId: 'h1-2', label: 'NORMAL', labelledAt: T0 + 40 * MINUTE }),
        label({ alertId: 'h1-2', label: 'ANOMALY', labeller: 'bob', labelledAt: T0 + 50 * MINUTE }),
      ],
    });
  });
  after(() => fixture.cleanup());

  it('lists incidents by current state, newest activity first', async () => {
    const all = await queries.incidents({ limit: 10 });
    assert.deepEqual(
      all.map((i) => [i.incidentId, i.state, i.lastEvent, i.events, i.alerts]),
      [
        ['inc-a', 'CLOSED', 'CLOSED', 3, 3],
        ['inc-b', 'OPEN', 'OPEN', 1, 1],
      ],
    );
    const open = await queries.incidents({ state: 'OPEN', limit: 10 });
    assert.deepEqual(
      open.map((i) => i.incidentId),
      ['inc-b'],
    );
    const published = await queries.incidents({ alias: 'published', limit: 10 });
    assert.deepEqual(
      published.map((i) => i.incidentId),
      ['inc-a'],
    );
    // Activity by event time: inc-a closed at T0+30m, inc-b's last anomaly is T0+1m.
    const recent = await queries.incidents({ since: new Date(T0 + 10 * MINUTE), limit: 10 });
    assert.deepEqual(
      recent.map((i) => i.incidentId),
      ['inc-a'],
    );
    assert.deepEqual(recent[0]?.closedAt, new Date(T0 + 30 * MINUTE));
  });

  it('returns the scores behind an incident and names covered alerts without one', async () => {
    const own = await queries.incidentScores('inc-a');
    assert.deepEqual(
      own.scores.map((s) => [s.alertId, s.alias, s.calibrated, s.verdict]),
      [
        ['h1-1', 'published', 0.97, 'ANOMALY'],
        ['h1-2', 'published', 0.99, 'ANOMALY'],
      ],
    );
    assert.deepEqual(own.missingAlertIds, ['h1-missing']);
    const every = await queries.incidentScores('inc-a', { allModels: true });
    assert.equal(every.scores.length, 4);
    await assert.rejects(queries.incidentScores('nope'), { code: 'VIGIL_SINK_BAD_ARGUMENT' });
  });

  it("returns an entity's latest alerts with every score and the latest label", async () => {
    const history = await queries.entityHistory('host-1', { limit: 2 });
    assert.deepEqual(
      history.map((h) => [h.alertId, h.alias, h.verdict, h.label]),
      [
        ['h1-2', 'challenger', 'UNSURE', 'ANOMALY'],
        ['h1-2', 'published', 'ANOMALY', 'ANOMALY'],
        ['h1-1', 'challenger', 'UNSURE', null],
        ['h1-1', 'published', 'ANOMALY', null],
      ],
    );
    assert.deepEqual(history[0]?.values, { cpu: 0.5, temp: 71.25 });
    const since = await queries.entityHistory('host-1', { since: new Date(T0 + 2 * MINUTE), limit: 10 });
    assert.deepEqual([...new Set(since.map((h) => h.alertId))], ['h1-2']);
  });

  it('counts scores by model, version, alias and verdict', async () => {
    const summary = await queries.summary();
    assert.deepEqual(
      summary.map((s) => [s.model, s.version, s.alias, s.verdict, s.count]),
      [
        ['vigil-envelope', '3', 'published', 'ANOMALY', 3],
        ['vigil-envelope', '3', 'published', 'NORMAL', 1],
        ['vigil-envelope', '4', 'challenger', 'UNSURE', 3],
      ],
    );
    assert.deepEqual(summary[0]?.firstTs, new Date(T0 + MINUTE));
  });

  it('prints aligned tables and JSON from the command line', async () => {
    const table = await cli('incidents', '--status', 'CLOSED');
    const lines = table.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0] ?? '', /^incident\s+state\s+last event\s+events\s+entity/);
    assert.match(lines[2] ?? '', /^inc-a\s+CLOSED\s+CLOSED\s+3\s+host-1/);

    const json = await cli('summary', '--json');
    const rows = JSON.parse(json.stdout) as { verdict: string; count: number }[];
    assert.deepEqual(
      rows.map((r) => [r.verdict, r.count]),
      [
        ['ANOMALY', 3],
        ['NORMAL', 1],
        ['UNSURE', 3],
      ],
    );

    const scores = await cli('scores', '--incident', 'inc-a');
    assert.match(scores.stdout, /h1-2\s+envelope\s+vigil-envelope@3\s+published/);
    assert.match(scores.stderr, /1 covered alert\(s\) have no stored score: h1-missing/);

    const history = await cli('entity', 'host-2', '--json');
    assert.deepEqual(
      (JSON.parse(history.stdout) as { alertId: string }[]).map((h) => h.alertId),
      ['h2-0'],
    );
  });

  it('prints help and exits 2 on a bad argument', async () => {
    const help = await cli('--help');
    assert.match(help.stdout, /^Usage: vigil-store <command>/);
    await assert.rejects(cli('incidents', '--status', 'MAYBE'), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, /OPEN or CLOSED/);
      return true;
    });
  });
});
