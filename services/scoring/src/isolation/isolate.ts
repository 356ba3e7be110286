import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FromIsolate, ToIsolate } from './protocol.ts';

export const ISOLATE_KINDS = ['thread', 'process'] as const;
export type IsolateKind = (typeof ISOLATE_KINDS)[number];

/** How an isolate ended. `outOfMemory` when V8 stopped it at its heap limit. */
export interface IsolateExit {
  code: number | null;
  signal: string | null;
  outOfMemory: boolean;
  error?: Error;
}

/** A worker thread or a child process running `isolate-main.ts`, seen through one small interface. */
export interface Isolate {
  readonly kind: IsolateKind;
  /** Thread id or process id, for logs. */
  readonly id: number;
  send(message: ToIsolate, transfer?: ArrayBuffer[]): void;
  onMessage(listener: (message: FromIsolate) => void): void;
  /** Called once, when the isolate has ended for any reason. */
  onExit(listener: (exit: IsolateExit) => void): void;
  /** Ends it now (thread: terminate; process: SIGKILL) and resolves once it is gone. */
  kill(): Promise<void>;
}

export interface IsolateOptions {
  /** Old-generation heap limit in MiB (thread: resourceLimits; process: --max-old-space-size). */
  maxHeapMb: number;
}

const ENTRY = new URL('./isolate-main.ts', import.meta.url);
const RUNS_TYPESCRIPT = ENTRY.pathname.endsWith('.ts');

export function spawnIsolate(kind: IsolateKind, options: IsolateOptions): Isolate {
  return kind === 'thread' ? new ThreadIsolate(options) : new ProcessIsolate(options);
}

/** Exit bookkeeping both kinds share: `finish` once, `onExit` listeners, `kill` waits for the end. */
abstract class BaseIsolate implements Isolate {
  abstract readonly kind: IsolateKind;
  abstract readonly id: number;
  protected exitInfo: IsolateExit | undefined;
  protected lastError: Error | undefined;
  private resolveExit: ((exit: IsolateExit) => void) | undefined;
  private readonly exited = new Promise<IsolateExit>((resolve) => {
    this.resolveExit = resolve;
  });

  abstract send(message: ToIsolate, transfer?: ArrayBuffer[]): void;
  abstract onMessage(listener: (message: FromIsolate) => void): void;
  protected abstract stop(): void;

  onExit(listener: (exit: IsolateExit) => void): void {
    void this.exited.then(listener);
  }

  async kill(): Promise<void> {
    if (!this.exitInfo) this.stop();
    await this.exited;
  }

  protected finish(code: number | null, signal: string | null, outOfMemory: boolean): void {
    this.exitInfo = { code, signal, outOfMemory, error: this.lastError };
    this.resolveExit?.(this.exitInfo);
  }
}

class ThreadIsolate extends BaseIsolate {
  readonly kind = 'thread';
  readonly id: number;
  private readonly worker: Worker;

  constructor(options: IsolateOptions) {
    super();
    const resourceLimits = { maxOldGenerationSizeMb: options.maxHeapMb };
    // Node (20 and 24 alike) does not run `--import tsx` in workers before loading their entry:
    // a TypeScript entry is reached through a one-line bootstrap that registers tsx first.
    this.worker = RUNS_TYPESCRIPT
      ? new Worker(
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(ENTRY.href)}); });`,
          { eval: true, resourceLimits },
        )
      : new Worker(ENTRY, { resourceLimits });
    this.id = this.worker.threadId;
    this.worker.on('error', (error) => {
      this.lastError = error;
    });
    this.worker.once('exit', (code) =>
      this.finish(code, null, (this.lastError as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY'),
    );
  }

  send(message: ToIsolate, transfer: ArrayBuffer[] = []): void {
    if (!this.exitInfo) this.worker.postMessage(message, transfer);
  }

  onMessage(listener: (message: FromIsolate) => void): void {
    this.worker.on('message', listener);
  }

  protected stop(): void {
    void this.worker.terminate();
  }
}

class ProcessIsolate extends BaseIsolate {
  readonly kind = 'process';
  readonly id: number;
  private readonly child: ChildProcess;

  constructor(options: IsolateOptions) {
    super();
    this.child = fork(fileURLToPath(ENTRY), [], {
      // Keeps the parent's loader flags (tsx) and sets the child's own heap limit.
      execArgv: [
        ...process.execArgv.filter((a) => !a.startsWith('--max-old-space-size') && !a.startsWith('--test')),
        `--max-old-space-size=${options.maxHeapMb}`,
      ],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.id = this.child.pid ?? -1;
    this.child.on('error', (error) => {
      this.lastError = error;
    });
    // V8 aborts a process at its heap limit (SIGABRT, or exit 134 through a shell).
    this.child.once('exit', (code, signal) => this.finish(code, signal, signal === 'SIGABRT' || code === 134));
  }

  send(message: ToIsolate): void {
    if (this.exitInfo || !this.child.connected) return;
    this.child.send(message, (error) => {
      // A send that fails means the child is gone or going; its exit event reports it.
      if (error) this.child.kill('SIGKILL');
    });
  }

  onMessage(listener: (message: FromIsolate) => void): void {
    this.child.on('message', (message) => listener(message as FromIsolate));
  }

  protected stop(): void {
    this.child.kill('SIGKILL');
  }
}
