import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, waitFor } from '@vigil/test-kit';

const run = promisify(execFile);
/** services.sh's own wait for /readyz (VIGIL_SERVICE_START_TIMEOUT, 90 s by default). */
const START_TIMEOUT_MS = 90_000;

/**
 * The services the observability tests start (when nobody runs them yet),
 * feed and check in Prometheus. A service joins this list once
 * `bash scripts/services.sh start <name>` brings it up on a fresh local stack
 * with no other setup than the fixture's own (scoring's models in MLflow:
 * models.ts); its series are then checked like the others'.
 */
export const LIVE_SERVICES = ['ingest', 'enrichment', 'scoring', 'incident', 'sink', 'feedback'] as const;
export type LiveService = (typeof LIVE_SERVICES)[number];

/**
 * Services whose series no observability test sees yet, and why. Dashboard
 * queries over their metrics are still parsed by Prometheus, and their metric
 * names checked against the definitions in the code.
 */
export const NOT_YET_COVERED: Readonly<Record<string, string>> = {
  control:
    'an HTTP service (its /metrics is on CONTROL_PORT, not a *_METRICS_PORT); it exports only the process metrics so far, its request metrics are not built yet',
};

/** `KEY=number` lines of deploy/local/ports.env. */
export function metricsPort(service: string): number {
  const text = readFileSync(resolve(REPO_ROOT, 'deploy/local/ports.env'), 'utf8');
  const key = `${service.toUpperCase()}_METRICS_PORT`;
  const match = new RegExp(`^${key}=(\\d+)$`, 'm').exec(text);
  if (!match) throw new Error(`deploy/local/ports.env has no ${key}`);
  return Number(match[1]);
}

async function ready(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Something accepts connections on the port (a service starting, or anything else). */
function listening(port: number): Promise<boolean> {
  return new Promise((resolveListening) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolveListening(true);
    });
    socket.once('error', () => resolveListening(false));
  });
}

/** Runs one of scripts/*.sh from the repository root; its output, or an error that carries it. */
export async function runScript(script: string, args: readonly string[], timeoutMs: number): Promise<string> {
  const command = `scripts/${script} ${args.join(' ')}`;
  try {
    const { stdout, stderr } = await run('bash', [resolve(REPO_ROOT, 'scripts', script), ...args], {
      cwd: REPO_ROOT,
      timeout: timeoutMs,
    });
    return `${stdout}${stderr}`;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

export function servicesScript(...args: string[]): Promise<string> {
  return runScript('services.sh', args, 240_000);
}

export interface RunningServices {
  /** Started by this test; `stop()` stops these and nothing else. */
  started: string[];
  /** Already serving on their metrics port (another engineer's, another clone's, the demo's): left alone. */
  borrowed: string[];
  stop(): Promise<void>;
}

/**
 * Makes the named services serve on their metrics ports (the ones Prometheus
 * scrapes). Other people run the same services on the same ports, from this
 * clone or another, so a service that already answers /readyz there is used
 * as it is, and one that is starting is waited for; only the services found
 * down are started, with `scripts/services.sh start`, and `stop()` stops
 * exactly those.
 */
export async function ensureServices(names: readonly string[]): Promise<RunningServices> {
  const borrowed: string[] = [];
  const down: string[] = [];
  for (const name of names) {
    const port = metricsPort(name);
    if (await ready(port)) borrowed.push(name);
    else if (await listening(port)) {
      // As long as services.sh waits for a service it starts (scoring loads and verifies its modules first).
      await waitFor(
        `${name} (someone else's, starting on :${port}) to be ready`,
        async () => ((await ready(port)) ? true : undefined),
        START_TIMEOUT_MS,
        500,
      );
      borrowed.push(name);
    } else down.push(name);
  }
  if (down.length > 0) await servicesScript('start', ...down);
  let stopping: Promise<void> | undefined;
  return {
    started: down,
    borrowed,
    stop: () => {
      stopping ??= down.length > 0 ? servicesScript('stop', ...down).then(() => undefined) : Promise.resolve();
      return stopping;
    },
  };
}
