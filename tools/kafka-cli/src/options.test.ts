import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GROUPS_HELP, HELP, parseCli, TAIL_HELP, TOPICS_HELP, UsageError } from './options.ts';

describe('parseCli', () => {
  it('reads each command with its options', () => {
    assert.deepEqual(parseCli(['topics', '--match', 'alerts', '--json']), {
      command: 'topics',
      match: 'alerts',
      all: false,
      json: true,
    });
    assert.deepEqual(parseCli(['groups']), { command: 'groups', match: undefined, json: false });
    assert.deepEqual(parseCli(['tail', 'telemetry.raw.dlq', '--max', '5', '-f']), {
      command: 'tail',
      topic: 'telemetry.raw.dlq',
      max: 5,
      fromBeginning: false,
      follow: true,
      json: false,
    });
    assert.deepEqual(parseCli(['tail', 'x', '--from-beginning', '--json']), {
      command: 'tail',
      topic: 'x',
      max: undefined,
      fromBeginning: true,
      follow: false,
      json: true,
    });
  });

  it('answers --help for the tool and for each command', () => {
    assert.deepEqual(parseCli([]), { command: 'help', text: HELP });
    assert.deepEqual(parseCli(['--help']), { command: 'help', text: HELP });
    assert.deepEqual(parseCli(['topics', '--help']), { command: 'help', text: TOPICS_HELP });
    assert.deepEqual(parseCli(['groups', '-h']), { command: 'help', text: GROUPS_HELP });
    assert.deepEqual(parseCli(['tail', '--help']), { command: 'help', text: TAIL_HELP });
  });

  it('refuses what it does not know, with the help of the command concerned', () => {
    const refuses = (argv: string[], message: RegExp, help: string) =>
      assert.throws(
        () => parseCli(argv),
        (error: unknown) => error instanceof UsageError && message.test(error.message) && error.help === help,
      );
    refuses(['lag'], /^unknown command 'lag'$/, HELP);
    refuses(['topics', '--since', '1h'], /Unknown option '--since'/, TOPICS_HELP);
    refuses(['groups', 'extra'], /^unexpected argument 'extra'$/, GROUPS_HELP);
    refuses(['tail'], /^tail needs a TOPIC$/, TAIL_HELP);
    refuses(['tail', 'a', 'b'], /^unexpected argument 'b'$/, TAIL_HELP);
    refuses(['tail', 'a', '--max', 'ten'], /^--max takes a whole number of records, got 'ten'$/, TAIL_HELP);
    refuses(['tail', 'a', '--max', '-1'], /--max/, TAIL_HELP);
    refuses(['tail', 'a', '--max', '0'], /only makes sense with --follow alone/, TAIL_HELP);
    refuses(['tail', 'a', '--max', '0', '--follow', '--from-beginning'], /only makes sense/, TAIL_HELP);
  });
});
