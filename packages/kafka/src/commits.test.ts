import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackgroundCommit } from './commits.ts';

describe('BackgroundCommit', () => {
  it('lets the next chunk wait for the commit in flight', async () => {
    const commit = new BackgroundCommit();
    let done = false;
    commit.send(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      done = true;
    });
    await commit.previous();
    assert.equal(done, true);
  });

  it('throws a failed commit to the next chunk once, and never to settled()', async () => {
    const commit = new BackgroundCommit();
    const refused = new Error('REBALANCE_IN_PROGRESS');
    commit.send(async () => {
      throw refused;
    });
    await commit.settled();
    await assert.rejects(commit.previous(), refused);
    await commit.previous();
  });

  it('forgets a failed commit at a rejoin', async () => {
    const commit = new BackgroundCommit();
    commit.send(async () => {
      throw new Error('ILLEGAL_GENERATION');
    });
    commit.forget();
    await commit.previous();
  });
});
