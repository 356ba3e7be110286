import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { REPO_ROOT, type ServiceProcess } from '@vigil/test-kit';
import { sleep } from '@vigil/timing';

/** Node flags for every measured process, e.g. `--cpu-prof` (Node 20 refuses it in NODE_OPTIONS). */
export interface ScriptOptions {
  nodeArgs?: readonly string[];
}

/**
 * Starts a TypeScript file as its own Node process the way the test kit starts
 * services (`node --import tsx <file>`, from the repository root), so a
 * benchmark's own worker pays the same process, loader and start-up overhead
 * as the service it is compared with. Unlike the kit's `startService`, it
 * takes Node flags (profiling).
 */
export function startScript(file: string, env: Record<string, string>, options: ScriptOptions = {}): ServiceProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', file], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (data: Buffer) => {
    output += data.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  return {
    child,
    output: () => output,
    exited,
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Starts `services/<name>/src/main.ts` like the kit's `startService`, with Node flags. */
export function startServiceScript(
  name: string,
  env: Record<string, string>,
  options: ScriptOptions = {},
): ServiceProcess {
  return startScript(resolve(REPO_ROOT, `services/${name}/src/main.ts`), env, options);
}

/** True while the process has neither exited nor been killed. */
export function isRunning(service: ServiceProcess): boolean {
  return service.child.exitCode === null && service.child.signalCode === null;
}

/**
 * Peak resident set size of a live process in MB (`VmHWM` of /proc/<pid>/status:
 * the kernel's high-water mark, so one read at the end covers the whole run).
 * Undefined where /proc is missing (not Linux) or the process is gone.
 */
export async function peakRssMb(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc/<pid>/stat times: USER_HZ, 100 on every Linux architecture Node runs on. */
const USER_HZ = 100;

/**
 * CPU time (user + system, every thread) a live process has used so far, in
 * seconds, with a resolution of 10 ms. The difference over a run says what the
 * run cost the process even when other work on the machine stretched its wall time.
 */
export async function cpuSeconds(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return undefined;
  }
}

/**
 * Waits until a service started with `LOG_LEVEL=info` answers 200 on /readyz: its
 * consumer has joined and its own checks pass (scoring: every model loaded). The
 * health server's address comes from the service's "<name> running" log line.
 */
export async function waitReady(service: ServiceProcess, name: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isRunning(service)) throw new Error(`${name} exited before it was ready:\n${service.output().slice(-4_000)}`);
    if (Date.now() > deadline)
      throw new Error(`${name} not ready after ${timeoutMs} ms:\n${service.output().slice(-4_000)}`);
    const url = /"metrics":"([^"]+)"/.exec(service.output())?.[1];
    if (url) {
      const response = await fetch(`${url}/readyz`).catch(() => undefined);
      if (response?.status === 200) return;
    }
    await sleep(200);
  }
}
