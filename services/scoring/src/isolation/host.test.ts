import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '@vigil/logging';
import type { HostOutcome } from '../module-host.ts';
import { scoresOf } from '../test-scores.ts';
import type { FaultKind } from './faults.ts';
import { IsolatedModuleHost } from './host.ts';
import { ISOLATE_KINDS, type IsolateKind } from './isolate.ts';

/** A two-signal rules module built by the science kit (see testdata/README.md): a > 5 → ANOMALY. */
const BUNDLE = new URL('../testdata/test-rules.zip', import.meta.url).pathname;
const logger = createLogger({ service: 'test', level: 'silent' });

function host(isolation: IsolateKind, fault: FaultKind | null = null, restarts: string[] = [], timeoutMs = 400) {
  return new IsolatedModuleHost({
    model: 'test-rules',
    alias: 'published',
    version: '1',
    dir: BUNDLE,
    isolation,
    timeoutMs,
    loadTimeoutMs: 20_000,
    maxHeapMb: 64,
    restartBackoffMaxMs: 1_000,
    fault,
    logger,
    onRestart: (reason) => restarts.push(reason),
  });
}

const records = [0, 1, 2, 6, 8].map((a, i) => ({ entity: 'pump-1', ts: 1_000 * i, values: { a, b: 1 } }));

function reasonOf(outcome: HostOutcome): string {
  return outcome.ok ? 'ok' : outcome.reason;
}

async function until<T>(check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function assertAnswersAtOnce(h: IsolatedModuleHost, reason: string): Promise<void> {
  const started = performance.now();
  assert.equal(reasonOf(await h.score(records)), reason);
  assert.ok(performance.now() - started < 50, 'a failed module answers at once');
}

for (const isolation of ISOLATE_KINDS) {
  describe(`module host in a ${isolation}`, () => {
    it('loads, verifies and scores a batch in order, with the module facts the service needs', async () => {
      const h = host(isolation);
      try {
        const info = await h.start();
        assert.equal(info.module, 'test-rules');
        assert.deepEqual(info.inputs, { values: ['a', 'b'], features: [], attrs: [] });
        assert.deepEqual(info.elements, [{ name: 'rules', kind: 'rules' }]);
        assert.equal(h.state, 'ready');
        const outcome = await h.score(records);
        assert.ok(outcome.ok);
        const results = scoresOf(outcome.scored, info);
        assert.deepEqual(
          results.map((r) => r.verdict),
          ['NORMAL', 'NORMAL', 'NORMAL', 'ANOMALY', 'ANOMALY'],
        );
        // 2 → 6: above 5 and a jump of 4 (> 3); contributors are the rules that fired, highest score first.
        assert.deepEqual(results[3]?.contributors, [
          { signal: 'a-high', weight: 1 },
          { signal: 'a-jump', weight: 0.6 },
        ]);
      } finally {
        await h.close();
      }
    });

    it('carries the lag history from one host to another', async () => {
      const a = host(isolation);
      const b = host(isolation);
      try {
        await Promise.all([a.start(), b.start()]);
        await a.score([{ entity: 'pump-1', ts: 0, values: { a: 0, b: 1 } }]);
        await b.importHistory(await a.exportHistory());
        // a jumps by 4 (> 3) from the carried-over previous record: the a-jump rule fires.
        const outcome = await b.score([{ entity: 'pump-1', ts: 1, values: { a: 4, b: 1 } }]);
        assert.ok(outcome.ok && b.info);
        assert.deepEqual(scoresOf(outcome.scored, b.info).at(0)?.contributors, [{ signal: 'a-jump', weight: 0.6 }]);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('answers MODULE_ERROR when the module throws, and stays up', async () => {
      const h = host(isolation, 'throw');
      try {
        await h.start();
        assert.equal(reasonOf(await h.score(records)), 'MODULE_ERROR');
        assert.equal(h.state, 'ready');
      } finally {
        await h.close();
      }
    });

    // Filling a 64 MiB heap takes a while (GC thrashes near the limit): give `oom` a budget it cannot use up.
    for (const [fault, first, budget] of [
      ['hang', 'MODULE_TIMEOUT', 400],
      ['crash', 'MODULE_CRASHED', 400],
      ['oom', 'MODULE_OUT_OF_MEMORY', 10_000],
    ] as const) {
      it(`${fault}: ${first} within the budget, then MODULE_RESTARTING at once, restarts and probes without waiting`, async () => {
        const restarts: string[] = [];
        const h = host(isolation, fault, restarts, budget);
        try {
          await h.start();
          const started = performance.now();
          assert.equal(reasonOf(await h.score(records)), first);
          assert.ok(performance.now() - started < budget + 1_000, 'the failure comes back within the time budget');
          assert.equal(h.state, 'restarting');
          await assertAnswersAtOnce(h, 'MODULE_RESTARTING');
          await until(() => (h.state === 'probation' ? true : undefined));
          // On probation the batch is answered at once and probes the module in the background; the probe fails again.
          await assertAnswersAtOnce(h, 'MODULE_RESTARTING');
          await until(() => (restarts.length === 2 ? true : undefined), budget + 10_000);
          assert.deepEqual(restarts, [first, first]);
        } finally {
          await h.close();
        }
      });
    }

    it('recovers: a module that crashed once scores again once its probe came back', async () => {
      const restarts: string[] = [];
      const h = host(isolation, 'crash-once', restarts);
      try {
        await h.start();
        assert.equal(reasonOf(await h.score(records)), 'MODULE_CRASHED');
        await until(() => (h.state === 'probation' ? true : undefined));
        await assertAnswersAtOnce(h, 'MODULE_RESTARTING');
        await until(() => (h.state === 'ready' ? true : undefined));
        const outcome = await h.score(records);
        assert.ok(outcome.ok);
        assert.equal(outcome.scored.n, records.length);
        assert.deepEqual(restarts, ['MODULE_CRASHED']);
      } finally {
        await h.close();
      }
    });

    it('refuses a bundle that does not load, with the loader code', async () => {
      const h = new IsolatedModuleHost({
        model: 'x',
        alias: 'published',
        version: '1',
        dir: '/nonexistent/bundle',
        isolation,
        timeoutMs: 400,
        loadTimeoutMs: 20_000,
        maxHeapMb: 64,
        restartBackoffMaxMs: 1_000,
        logger,
      });
      await assert.rejects(h.start(), (error: { code?: string }) => /^VIGIL_(BUNDLE|SCORING)_/.test(error.code ?? ''));
      await h.close();
    });
  });
}
