import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, sleep } from './index.ts';

describe('backoffDelay', () => {
  it('doubles from initialMs up to maxMs', () => {
    const policy = { initialMs: 200, maxMs: 5_000 };
    assert.deepEqual(
      Array.from({ length: 8 }, (_, attempt) => backoffDelay(policy, attempt)),
      [200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000],
    );
  });

  it('grows by another factor', () => {
    assert.deepEqual(
      [0, 1, 2, 3].map((attempt) => backoffDelay({ initialMs: 100, maxMs: 2_000, factor: 3 }, attempt)),
      [100, 300, 900, 2_000],
    );
  });

  it('stays at maxMs after a streak long enough to overflow, and at 0 from 0', () => {
    assert.equal(backoffDelay({ initialMs: 250, maxMs: 30_000 }, 5_000), 30_000);
    assert.equal(backoffDelay({ initialMs: 0, maxMs: 30_000 }, 5_000), 0);
  });

  it('caps the first wait too when initialMs is over maxMs', () => {
    assert.equal(backoffDelay({ initialMs: 500, maxMs: 300 }, 0), 300);
  });

  it('half jitter: delay / 2 + random × delay / 2, from the injected random', () => {
    const policy = { initialMs: 200, maxMs: 1_000, jitter: 'half' } as const;
    const drawing = (attempt: number, draw: number) => backoffDelay(policy, attempt, () => draw);
    assert.equal(drawing(0, 0), 100);
    assert.equal(drawing(0, 0.5), 150);
    assert.equal(drawing(1, 0.25), 250);
    assert.equal(drawing(9, 0.999), 500 + 0.999 * 500);
    for (let attempt = 0; attempt < 10; attempt++) {
      const capped = Math.min(200 * 2 ** attempt, 1_000);
      const delay = backoffDelay(policy, attempt);
      assert.ok(delay >= capped / 2 && delay < capped, `attempt ${attempt}: ${delay}`);
    }
  });

  it('ignores random without jitter', () => {
    assert.equal(
      backoffDelay({ initialMs: 200, maxMs: 1_000 }, 1, () => {
        throw new Error('not called');
      }),
      400,
    );
  });
});

describe('sleep', () => {
  it('waits about the time asked', async () => {
    const start = performance.now();
    await sleep(30);
    assert.ok(performance.now() - start >= 25);
  });

  it('treats a negative time as no wait', async () => {
    const start = performance.now();
    await sleep(-50);
    assert.ok(performance.now() - start < 25);
  });

  it('rejects with AbortError when its signal is aborted', async () => {
    const controller = new AbortController();
    const sleeping = sleep(60_000, controller.signal);
    controller.abort();
    await assert.rejects(sleeping, { name: 'AbortError' });
  });
});
