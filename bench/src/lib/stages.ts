import { type Pipeline, type PipelineService, pipelineFixture, type ServiceProcess } from '@vigil/test-kit';
import { sleep } from '@vigil/timing';
import type { Admin } from 'kafkajs';
import type { Cleanup } from './cleanup.ts';
import { benchGroup, benchTopics, committedSum, measureDrain } from './kafka.ts';
import { startPassthrough } from './passthrough.ts';
import { cpuSeconds, isRunning, peakRssMb, type ScriptOptions, startServiceScript, waitReady } from './process.ts';

/**
 * Multi-stage runs on the local stack: a chain of passthrough hops, or the whole
 * pipeline of services, each started so that its first stage starts last.
 */

/** A chain or a pipeline whose first stage has just been started. */
export interface Running {
  processes: Map<string, ServiceProcess>;
  /** The first stage's group: a drain's clock starts when it has joined. */
  firstGroup: string;
  /** Resolves once the first stage is ready too. */
  ready: () => Promise<void>;
  alive: () => boolean;
  /** Records the last stage is done with: its committed offsets, which follow its outputs. */
  done: () => Promise<number>;
}

/** Where a multi-stage run is built: the admin client, the partitions of every topic it creates. */
export interface StageContext {
  admin: Admin;
  partitions: number;
}

function allRunning(processes: Map<string, ServiceProcess>): () => boolean {
  return () => [...processes.values()].every(isRunning);
}

/** Waits until `groupId` is Stable (measureDrain returns at once after the join when nothing is expected). */
async function joined(admin: Admin, groupId: string, process: ServiceProcess): Promise<void> {
  await measureDrain({ admin, groupId, outputs: [], expected: 0, alive: () => isRunning(process) });
}

/**
 * Fresh topics t0 → t1 → … → t`hops` and one passthrough process per hop; hops 2 and on
 * are started (last first) and joined before this returns, `start()` starts hop 1.
 */
export async function startChain(
  { admin, partitions }: StageContext,
  runCleanup: Cleanup,
  hops: number,
): Promise<{ topics: readonly string[]; start: () => Running }> {
  const names = Array.from({ length: hops + 1 }, (_, i) => `bench-chain-t${i}`);
  const topics: readonly string[] = await benchTopics(admin, runCleanup, names, partitions);
  const groups = names.slice(1).map((_, hop) => benchGroup(admin, runCleanup, `bench-chain-hop${hop + 1}`));
  const processes = new Map<string, ServiceProcess>();
  const startHop = (hop: number) => {
    const groupId = groups[hop] as string;
    const process = startPassthrough({ input: topics[hop] as string, output: topics[hop + 1] as string, groupId });
    runCleanup.add(`hop ${hop + 1}`, () => process.kill('SIGKILL'));
    processes.set(`hop ${hop + 1}`, process);
    return process;
  };
  for (let hop = hops - 1; hop >= 1; hop--) await joined(admin, groups[hop] as string, startHop(hop));
  const last = groups[hops - 1] as string;
  return {
    topics,
    start: () => {
      const first = startHop(0);
      return {
        processes,
        firstGroup: groups[0] as string,
        ready: () => joined(admin, groups[0] as string, first),
        alive: allRunning(processes),
        done: () => committedSum(admin, last, topics[hops - 1] as string),
      };
    },
  };
}

/** Downstream first, so that each is ready before records reach it; ingest starts last. */
const START_ORDER: readonly PipelineService[] = ['sink', 'incident', 'scoring', 'enrichment'];

/**
 * A fresh pipeline (the test kit's pipelineFixture) with every service but ingest
 * started (`LOG_LEVEL=info`, for the address of /readyz) and ready; `start()` starts
 * ingest. The run is done with a record when the incident service has committed it.
 */
export async function startPipeline(
  { admin, partitions }: StageContext,
  runCleanup: Cleanup,
  env: Partial<Record<PipelineService, Record<string, string>>>,
  script: ScriptOptions = {},
): Promise<{ fixture: Pipeline; start: () => Running }> {
  const fixture = await pipelineFixture(admin, partitions);
  runCleanup.add(`pipeline ${fixture.run}`, fixture.cleanup);
  const processes = new Map<string, ServiceProcess>();
  const startService = (name: PipelineService) => {
    const process = startServiceScript(name, { ...fixture.env[name], LOG_LEVEL: 'info', ...env[name] }, script);
    runCleanup.add(name, () => process.kill('SIGKILL'));
    processes.set(name, process);
    return process;
  };
  await Promise.all(START_ORDER.map((name) => waitReady(startService(name), name)));
  return {
    fixture,
    start: () => {
      const ingest = startService('ingest');
      return {
        processes,
        firstGroup: fixture.groups.ingest,
        ready: () => waitReady(ingest, 'ingest'),
        alive: allRunning(processes),
        done: () => committedSum(admin, fixture.groups.incident, fixture.topics.alertsScored),
      };
    },
  };
}

/** CPU seconds each process has used so far. */
export async function cpuOf(run: Running): Promise<Map<string, number | undefined>> {
  const out = new Map<string, number | undefined>();
  for (const [name, process] of run.processes) out.set(name, await cpuSeconds(process.child.pid));
  return out;
}

/** Peak RSS of each process so far, in MB. */
export async function rssOf(run: Running): Promise<Record<string, number | undefined>> {
  const out: Record<string, number | undefined> = {};
  for (const [name, process] of run.processes) out[name] = await peakRssMb(process.child.pid);
  return out;
}

/** An error with the tail of every process's output. */
export function failure(run: Running, error: unknown): Error {
  const logs = [...run.processes].map(([name, p]) => `── ${name}\n${p.output().slice(-2_000)}`).join('\n');
  return new Error(`${(error as Error).message}\n${logs}`);
}

/** Stops every process (SIGTERM, in parallel) and fails when one did not exit cleanly. */
export async function stopAll(run: Running): Promise<void> {
  const codes = await Promise.all([...run.processes].map(async ([name, p]) => ({ name, code: await p.kill() })));
  const unclean = codes.filter(({ code }) => code !== 0);
  if (unclean.length > 0) {
    const list = unclean.map(({ name, code }) => `${name} (${code})`).join(', ');
    throw failure(run, new Error(`exited uncleanly: ${list}`));
  }
}

/** Waits until `count()` reaches `expected`, failing when a process dies or `timeoutMs` passes. */
export async function waitCount(
  run: Running,
  what: string,
  count: () => Promise<number>,
  expected: number,
  timeoutMs = 600_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await count();
    if (seen >= expected) return;
    if (!run.alive()) throw failure(run, new Error(`a process exited while waiting for ${what} (${seen}/${expected})`));
    if (Date.now() > deadline) throw failure(run, new Error(`timed out waiting for ${what} (${seen}/${expected})`));
    await sleep(50);
  }
}
