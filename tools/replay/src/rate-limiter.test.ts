import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket } from './rate-limiter.ts';

test('a full bucket gives its capacity at once, then one token per 1/rate seconds', () => {
  const bucket = new TokenBucket(100, 0);
  assert.equal(bucket.capacity, 10);
  for (let i = 0; i < 10; i++) assert.equal(bucket.take(0), 0);
  assert.equal(bucket.take(0), 10, 'the next token comes after 10 ms');
  assert.equal(bucket.take(5), 5);
  assert.equal(bucket.take(10), 0);
  assert.equal(bucket.take(10), 10);
});

test('over a long run the rate holds and an idle pause does not allow more than the capacity', () => {
  const bucket = new TokenBucket(1_000, 0);
  let now = 0;
  let taken = 0;
  while (now < 5_000) {
    const wait = bucket.take(now);
    if (wait === 0) taken++;
    else now += wait;
  }
  // 5 s at 1000/s plus the initial burst of 100.
  assert.ok(taken >= 5_000 && taken <= 5_101, `${taken}`);
  now += 60_000;
  let burst = 0;
  while (bucket.take(now) === 0) burst++;
  assert.equal(burst, 100);
});

test('slow rates wait whole seconds; the capacity is at least one token', () => {
  const bucket = new TokenBucket(0.5, 0);
  assert.equal(bucket.capacity, 1);
  assert.equal(bucket.take(0), 0);
  assert.equal(bucket.take(0), 2_000);
  assert.equal(bucket.take(2_000), 0);
  assert.throws(() => new TokenBucket(0, 0), RangeError);
});
