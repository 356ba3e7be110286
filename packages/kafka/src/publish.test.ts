import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitBySize } from './publish.ts';

describe('splitBySize', () => {
  it('keeps every message, in order, in requests under the byte limit', () => {
    const value = Buffer.alloc(300);
    const input = [
      { topic: 'a', messages: Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value })) },
      { topic: 'b', messages: Array.from({ length: 3 }, (_, i) => ({ key: `j${i}`, value })) },
    ];
    const requests = splitBySize(input, 1_200);
    assert.ok(requests.length > 1);
    for (const request of requests) {
      const bytes = request
        .flatMap((t) => t.messages)
        .reduce((sum, m) => sum + String(m.key).length + (m.value?.length ?? 0) + 64, 0);
      assert.ok(bytes <= 1_200, `request of ${bytes} bytes`);
    }
    const flattened = requests.flatMap((r) => r.flatMap((t) => t.messages.map((m) => `${t.topic}:${m.key}`)));
    assert.deepEqual(flattened, [
      ...input[0]!.messages.map((m) => `a:${m.key}`),
      ...input[1]!.messages.map((m) => `b:${m.key}`),
    ]);
  });

  it('sends a single oversized message alone rather than dropping it', () => {
    const big = { key: null, value: Buffer.alloc(5_000) };
    const requests = splitBySize([{ topic: 'a', messages: [{ key: 'x', value: Buffer.alloc(10) }, big] }], 1_000);
    assert.equal(requests.length, 2);
    assert.equal(requests[1]?.[0]?.messages[0], big);
  });

  it('makes no request for no messages', () => {
    assert.deepEqual(splitBySize([], 1_000), []);
  });
});
