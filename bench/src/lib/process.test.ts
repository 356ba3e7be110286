import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cpuSeconds, peakRssMb } from './process.ts';

describe('process figures from /proc', () => {
  it('reads the peak RSS and CPU time of a live process, and nothing for a missing one', async () => {
    const rss = await peakRssMb(process.pid);
    assert.ok(rss !== undefined && rss >= process.memoryUsage().rss / 2 ** 20 - 1, `peak RSS ${rss}`);
    // Spin for 200 ms of this process's own CPU time (wall time depends on what else the machine runs).
    const before = await cpuSeconds(process.pid);
    const start = process.cpuUsage();
    while (process.cpuUsage(start).user < 200_000) Math.sqrt(Math.random());
    const after = await cpuSeconds(process.pid);
    assert.ok(before !== undefined && after !== undefined && after - before >= 0.17, `${before} → ${after}`);
    assert.equal(await peakRssMb(2 ** 22 + 1), undefined);
    assert.equal(await cpuSeconds(undefined), undefined);
  });
});
