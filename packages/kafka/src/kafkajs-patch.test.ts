import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

// patches/kafkajs@2.2.4.patch replaces kafkajs's quadratic grouping of a batch's messages
// by partition; these check that the installed kafkajs is the patched one and groups as before.
const require = createRequire(import.meta.url);
const modulePath = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
const groupMessagesPerPartition = require(modulePath) as (args: {
  topic: string;
  partitionMetadata: unknown[];
  messages: { key: string }[];
  partitioner: (args: { message: { key: string } }) => number;
}) => Record<number, { key: string }[]>;

describe('kafkajs patch', () => {
  it('is installed', () => {
    assert.match(readFileSync(modulePath, 'utf8'), /Vigil patch/);
  });

  it('groups messages by partition, keeping their order', () => {
    const messages = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}` }));
    const grouped = groupMessagesPerPartition({
      topic: 't',
      partitionMetadata: [{}, {}, {}],
      messages,
      partitioner: ({ message }) => Number(message.key.slice(1)) % 3,
    });
    assert.deepEqual(Object.fromEntries(Object.entries(grouped).map(([p, ms]) => [p, ms.map((m) => m.key)])), {
      0: ['k0', 'k3', 'k6', 'k9'],
      1: ['k1', 'k4', 'k7'],
      2: ['k2', 'k5', 'k8'],
    });
    assert.deepEqual(
      groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner: () => 0 }),
      {},
    );
  });
});
