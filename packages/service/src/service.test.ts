import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./fixtures/service.ts', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runFixture(env: Record<string, string>): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

// Each test is its own child process: run them side by side.
describe('runService', { concurrency: true }, () => {
  it('prints every bad setting and exits 2 before the service starts', async () => {
    const run = await runFixture({ DEMO_METRICS_PORT: 'abc', DEMO_RETRY_MAX: 'soon', LOG_LEVEL: 'loud' });
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stdout, '');
    const lines = run.stderr.trimEnd().split('\n');
    assert.equal(lines[0], 'invalid configuration:');
    assert.deepEqual(
      lines.slice(1).map((l) => l.trim().split(':')[0]),
      ['LOG_LEVEL', 'DEMO_RETRY_MAX', 'DEMO_METRICS_PORT'],
    );
  });

  it('treats a failed cross-check like a bad value', async () => {
    const run = await runFixture({ DEMO_LOW: '9', DEMO_HIGH: '3' });
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, 'invalid configuration:\n  DEMO_LOW: must not exceed DEMO_HIGH\n');
  });

  it('exits 2 with the problems of an extra config file the service loads with orExit', async () => {
    const run = await runFixture({ DEMO_SCENARIO: 'extra-config' });
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stderr, 'invalid demo rules:\n  rules.k: too small\n');
  });

  it('hands start the parsed config and topics; an error out of start is fatal: logged, closed, exit 1', async () => {
    const run = await runFixture({ DEMO_LOW: '0', TOPIC_TELEMETRY_RAW: 'demo.raw' });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const lines = run.stdout.split('\n').filter((l) => l.length > 0);
    assert.equal(lines[0], `start:${JSON.stringify({ port: 9499, low: 0, input: 'demo.raw' })}`);
    assert.ok(lines.includes('step:resource'), run.stdout);
    const fatal = lines
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: string; service: string; err?: { message?: string } })
      .find((l) => l.level === 'fatal');
    assert.equal(fatal?.service, 'demo');
    assert.equal(fatal?.err?.message, 'start failed');
  });
});
