import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

// patches/kafkajs@2.2.4.patch replaces kafkajs's quadratic grouping of a batch's messages
// by partition, and its JavaScript CRC-32C of record batches by @node-rs/crc32's; these check
// that the installed kafkajs is the patched one and computes what it computed before.
const require = createRequire(import.meta.url);
const modulePath = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
const groupMessagesPerPartition = require(modulePath) as (args: {
  topic: string;
  partitionMetadata: unknown[];
  messages: { key: string }[];
  partitioner: (args: { message: { key: string } }) => number;
}) => Record<number, { key: string }[]>;

const crcPath = require.resolve('kafkajs/src/protocol/recordBatch/crc32C/index.js');
const crc32C = require(crcPath) as (buffer: Buffer) => number;
// kafkajs's own implementation, which the patch leaves in place as the reference.
const javascriptCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (buffer: Buffer) => number;

describe('kafkajs patch', () => {
  it('is installed', () => {
    assert.match(readFileSync(modulePath, 'utf8'), /Vigil patch/);
    assert.match(readFileSync(crcPath, 'utf8'), /Vigil patch/);
  });

  it('computes the CRC-32C of a record batch as kafkajs did', () => {
    // The check value of CRC-32C (Castagnoli) for the ASCII digits 1 to 9.
    assert.equal(crc32C(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32C(Buffer.alloc(0)), 0);
    let seed = 7;
    for (const length of [1, 7, 8, 9, 63, 1_000, 65_537]) {
      const buffer = Buffer.alloc(length);
      for (let i = 0; i < length; i++) {
        seed = (seed * 1_103_515_245 + 12_345) >>> 0;
        buffer[i] = seed >>> 24;
      }
      assert.equal(crc32C(buffer), javascriptCrc32C(buffer) >>> 0, `length ${length}`);
    }
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
