import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { VigilError } from '@vigil/errors';
import { createLogger } from '@vigil/logging';
import { Lifecycle } from './index.ts';

const logger = createLogger({ service: 'test', level: 'silent' });

function lifecycle(graceMs = 1_000) {
  const exits: number[] = [];
  const instance = new Lifecycle({ logger, graceMs, exit: (code) => exits.push(code), handleProcessEvents: false });
  return { instance, exits };
}

describe('Lifecycle', () => {
  it('closes in reverse order of registration, every step even after a failure, once', async () => {
    const { instance } = lifecycle();
    const order: string[] = [];
    instance.onClose('redis', () => order.push('redis'));
    instance.onClose('producer', () => {
      order.push('producer');
      throw new Error('flush failed');
    });
    instance.onClose('consumer', async () => order.push('consumer'));
    const [first, second] = await Promise.all([instance.close(), instance.close()]);
    assert.deepEqual(order, ['consumer', 'producer', 'redis']);
    assert.equal(first, 'FAILED');
    assert.equal(second, 'FAILED');
    assert.equal(await instance.close(), 'FAILED');
    assert.deepEqual(order, ['consumer', 'producer', 'redis']);
  });

  it('exits 0 after a clean shutdown and 1 after a failed one', async () => {
    const clean = lifecycle();
    clean.instance.onClose('ok', () => undefined);
    await clean.instance.shutdown('SIGTERM');
    assert.equal(clean.instance.state, 'STOPPED');
    assert.deepEqual(clean.exits, [0]);

    const crashed = lifecycle();
    await crashed.instance.shutdown('uncaught error', true);
    assert.deepEqual(crashed.exits, [1]);
  });

  it('exits 1 when a step hangs past the grace time', async () => {
    const { instance, exits } = lifecycle(50);
    instance.onClose('hangs', () => new Promise((resolve) => setTimeout(resolve, 200)));
    await instance.close();
    assert.deepEqual(exits, [1]);
    assert.equal(instance.state, 'FAILED');
  });

  it('retries a retriable failure until it succeeds, and gives up on a final one', async () => {
    const { instance } = lifecycle();
    let calls = 0;
    const value = await instance.retryUntilReady('registry', async () => {
      if (++calls < 3) throw new VigilError('VIGIL_REGISTRY_UNAVAILABLE', 'down');
      return 'ready';
    });
    assert.equal(value, 'ready');
    assert.equal(calls, 3);
    await assert.rejects(
      instance.retryUntilReady('config', async () => {
        throw new VigilError('VIGIL_CONFIG_INVALID', 'bad');
      }),
      { code: 'VIGIL_CONFIG_INVALID' },
    );
  });

  it('waits 200 ms before the first retry, then doubles the wait up to maxDelayMs', async () => {
    const { instance } = lifecycle();
    const at: number[] = [];
    await instance.retryUntilReady(
      'registry',
      async () => {
        at.push(performance.now());
        if (at.length < 4) throw new VigilError('VIGIL_REGISTRY_UNAVAILABLE', 'down');
      },
      300,
    );
    const waits = at.slice(1).map((t, i) => t - (at[i] as number));
    // 200, 300 (400 capped), 300. Timers never fire early; the upper bound only tells a doubling apart on a busy machine.
    [200, 300, 300].forEach((want, i) => {
      const wait = waits[i] as number;
      assert.ok(wait >= want - 2 && wait < 2 * want, `wait ${i}: ${wait} ms, want ${want}`);
    });
  });
});

const FIXTURE = fileURLToPath(new URL('./fixtures/process.ts', import.meta.url));

/** Runs the fixture process; sends `signal` once it is ready. Resolves with its exit code and output. */
function runProcess(scenario: string, signal?: NodeJS.Signals): Promise<{ code: number | null; lines: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, scenario], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let signalled = false;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (signal && !signalled && output.includes('ready\n')) {
      signalled = true;
      child.kill(signal);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve) => {
    child.on('close', (code) => resolve({ code, lines: output.split('\n').filter((l) => l.length > 0) }));
  });
}

const steps = (lines: string[]) => lines.filter((l) => l.startsWith('step:')).map((l) => l.slice(5));
const logs = (lines: string[]) =>
  lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: string; msg: string; err?: unknown });

// Each test is its own child process: run them side by side.
describe('Lifecycle in a real process', { concurrency: true }, () => {
  it('on SIGTERM runs every step in reverse order and exits 0', async () => {
    const { code, lines } = await runProcess('signal', 'SIGTERM');
    assert.equal(code, 0, lines.join('\n'));
    assert.deepEqual(steps(lines), ['consumer', 'producer', 'redis']);
  });

  it('on SIGINT does the same', async () => {
    const { code, lines } = await runProcess('signal', 'SIGINT');
    assert.equal(code, 0, lines.join('\n'));
    assert.deepEqual(steps(lines), ['consumer', 'producer', 'redis']);
  });

  it('on an uncaught exception logs it as fatal, still closes everything, and exits 1', async () => {
    const { code, lines } = await runProcess('uncaught');
    assert.equal(code, 1, lines.join('\n'));
    assert.deepEqual(steps(lines), ['consumer', 'producer', 'redis']);
    const fatal = logs(lines).find((l) => l.level === 'fatal');
    assert.match(JSON.stringify(fatal?.err), /boom from a timer/);
  });

  it('on an unhandled rejection exits 1 after closing', async () => {
    const { code, lines } = await runProcess('rejection');
    assert.equal(code, 1, lines.join('\n'));
    assert.deepEqual(steps(lines), ['consumer', 'producer', 'redis']);
    assert.ok(logs(lines).some((l) => l.level === 'fatal' && JSON.stringify(l.err).includes('nobody awaited this')));
  });

  it('exits 1 with VIGIL_SHUTDOWN_TIMEOUT when a step hangs past the grace time', async () => {
    const started = Date.now();
    const { code, lines } = await runProcess('hang', 'SIGTERM');
    assert.equal(code, 1, lines.join('\n'));
    // The hanging producer step never lets redis run: the grace timer ends the process.
    assert.deepEqual(steps(lines), ['consumer', 'producer']);
    assert.ok(logs(lines).some((l) => l.level === 'fatal' && JSON.stringify(l.err).includes('VIGIL_SHUTDOWN_TIMEOUT')));
    assert.ok(Date.now() - started < 10_000);
  });
});
