import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSince, parseStoreArgs } from './cli-args.ts';

const NOW = Date.UTC(2024, 0, 15, 12);

describe('store CLI arguments', () => {
  it('reads the incidents filters', () => {
    assert.deepEqual(parseStoreArgs(['incidents', '--status', 'open', '--since', '1h', '--alias', 'published'], NOW), {
      command: 'incidents',
      json: false,
      filter: { state: 'OPEN', since: new Date(NOW - 3_600_000), alias: 'published', entity: undefined, limit: 50 },
    });
  });

  it('reads scores, entity and summary', () => {
    assert.deepEqual(parseStoreArgs(['scores', '--incident', 'inc-1', '--json'], NOW), {
      command: 'scores',
      json: true,
      incidentId: 'inc-1',
      allModels: false,
    });
    assert.deepEqual(parseStoreArgs(['entity', 'host-1', '--since', '2024-01-01T00:00:00Z', '--limit', '5'], NOW), {
      command: 'entity',
      json: false,
      entity: 'host-1',
      since: new Date(Date.UTC(2024, 0, 1)),
      limit: 5,
    });
    assert.deepEqual(parseStoreArgs(['summary'], NOW), { command: 'summary', json: false, since: undefined });
  });

  it('answers help for --help, -h, help and nothing', () => {
    for (const argv of [['--help'], ['-h'], ['help'], [], ['incidents', '--help']]) {
      assert.deepEqual(parseStoreArgs(argv, NOW), { command: 'help' });
    }
  });

  it('refuses what it does not understand with VIGIL_SINK_BAD_ARGUMENT', () => {
    const cases: [string[], RegExp][] = [
      [['report'], /unknown command "report"/],
      [['incidents', '--status', 'UPDATED'], /OPEN or CLOSED/],
      [['incidents', '--incident', 'x'], /incidents does not take --incident/],
      [['incidents', '--bogus'], /bogus/],
      [['incidents', 'extra'], /no positional/],
      [['scores'], /--incident <id>/],
      [['entity'], /exactly one entity/],
      [['entity', 'a', '--limit', '0'], /--limit/],
      [['summary', '--since', 'last week'], /--since/],
    ];
    for (const [argv, message] of cases) {
      assert.throws(() => parseStoreArgs(argv, NOW), { code: 'VIGIL_SINK_BAD_ARGUMENT', message }, argv.join(' '));
    }
  });

  it('reads --since as a duration back from now or as a time', () => {
    assert.deepEqual(parseSince('30m', NOW), new Date(NOW - 1_800_000));
    assert.deepEqual(parseSince('7d', NOW), new Date(NOW - 7 * 86_400_000));
    assert.deepEqual(parseSince('2024-01-15T10:00:00+02:00', NOW), new Date(Date.UTC(2024, 0, 15, 8)));
  });
});
