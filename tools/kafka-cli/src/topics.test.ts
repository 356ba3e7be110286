import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isInternalTopic, topicRow, topicsTable } from './topics.ts';

describe('topics', () => {
  it('sums records (end minus start) and end offsets over the partitions', () => {
    const row = topicRow('alerts.scored', [
      { partition: 1, low: 1_000, high: 2_500 },
      { partition: 0, low: 0, high: 1_200 },
    ]);
    assert.deepEqual(row, {
      topic: 'alerts.scored',
      partitions: [
        { partition: 0, low: 0, high: 1_200 },
        { partition: 1, low: 1_000, high: 2_500 },
      ],
      records: 2_700,
      endOffset: 3_700,
    });
    assert.equal(
      topicsTable([row]),
      [
        'topic          partitions  records  end offset',
        '-------------  ----------  -------  ----------',
        'alerts.scored           2    2,700       3,700',
      ].join('\n'),
    );
  });

  it("knows Kafka's internal topics by their prefix", () => {
    assert.equal(isInternalTopic('__consumer_offsets'), true);
    assert.equal(isInternalTopic('telemetry.raw'), false);
  });
});
