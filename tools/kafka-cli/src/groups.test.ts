import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupsTable, groupTopic } from './groups.ts';

describe('groups', () => {
  it('takes the lag from the committed offsets, counting every record of a partition without a commit', () => {
    const topic = groupTopic(
      'alerts.scored',
      [
        { partition: 0, offset: '90' },
        { partition: 1, offset: '-1' },
      ],
      [
        { partition: 1, low: 5, high: 20 },
        { partition: 0, low: 0, high: 100 },
      ],
    );
    assert.deepEqual(topic, {
      topic: 'alerts.scored',
      committed: 90,
      end: 120,
      lag: 25,
      partitions: [
        { partition: 0, committed: 90, end: 100, lag: 10 },
        { partition: 1, committed: null, end: 20, lag: 15 },
      ],
    });
    assert.equal(
      groupsTable([
        { groupId: 'incident', state: 'Stable', members: 1, topics: [topic] },
        { groupId: 'idle', state: 'Empty', members: 0, topics: [] },
      ]),
      [
        'group     state   members  topic          committed  end offset  lag',
        '--------  ------  -------  -------------  ---------  ----------  ---',
        'incident  Stable        1  alerts.scored         90         120   25',
        'idle      Empty         0  –                      –           –    –',
      ].join('\n'),
    );
  });
});
