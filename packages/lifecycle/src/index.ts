import { isRetriable, VigilError } from '@vigil/errors';
import type { Logger } from '@vigil/logging';
import { backoffDelay, sleep } from '@vigil/timing';

/**
 * RUNNING → STOPPING → STOPPED, or FAILED when a cleanup step threw, the grace
 * time ran out, or shutdown began from an uncaught error.
 */
export const LIFECYCLE_STATES = ['RUNNING', 'STOPPING', 'STOPPED', 'FAILED'] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

export interface LifecycleOptions {
  logger: Logger;
  /** How long close() may take before the process exits 1. */
  graceMs: number;
  /** process.exit by default; tests pass a recorder. */
  exit?: (code: number) => void;
  /** Listen to SIGTERM/SIGINT and uncaught errors. Default true; tests turn it off. */
  handleProcessEvents?: boolean;
}

interface CloseStep {
  name: string;
  run: () => Promise<unknown> | unknown;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Owns a service's shutdown. Resources register a close step as they are
 * created; close() runs the steps in reverse order of registration, every one
 * of them even when an earlier one fails, once however often it is called.
 */
export class Lifecycle {
  private readonly logger: Logger;
  private readonly graceMs: number;
  private readonly exit: (code: number) => void;
  private readonly steps: CloseStep[] = [];
  private closing: Promise<LifecycleState> | undefined;
  private currentState: LifecycleState = 'RUNNING';
  private exited = false;
  private readonly listeners: [string, (...args: unknown[]) => void][] = [];

  constructor(options: LifecycleOptions) {
    this.logger = options.logger;
    this.graceMs = options.graceMs;
    this.exit = options.exit ?? ((code) => process.exit(code));
    if (options.handleProcessEvents ?? true) this.listen();
  }

  get state(): LifecycleState {
    return this.currentState;
  }

  /** True once shutdown has begun; loops use it to stop retrying. */
  get stopping(): boolean {
    return this.currentState !== 'RUNNING';
  }

  onClose(name: string, run: () => Promise<unknown> | unknown): void {
    this.steps.push({ name, run });
  }

  /**
   * Repeats `attempt` with capped backoff while it throws retriable errors, so a
   * service started before its dependencies waits for them instead of crashing.
   */
  async retryUntilReady<T>(what: string, attempt: () => Promise<T>, maxDelayMs = 5_000): Promise<T> {
    for (let failures = 0; ; failures++) {
      try {
        return await attempt();
      } catch (error) {
        if (!isRetriable(error) || this.stopping) throw error;
        const delay = backoffDelay({ initialMs: 200, maxMs: maxDelayMs }, failures);
        this.logger.warn({ err: error, retryInMs: delay }, `waiting for ${what}`);
        await sleep(delay);
      }
    }
  }

  /** Runs every close step once; resolves with the final state. Exits 1 if the grace time runs out. */
  close(reason = 'requested'): Promise<LifecycleState> {
    this.closing ??= this.runClose(reason);
    return this.closing;
  }

  /** close(), then exit with 0 when it stopped cleanly and 1 otherwise. */
  async shutdown(reason: string, failed = false): Promise<void> {
    const state = await this.close(reason);
    this.unlisten();
    this.exitOnce(failed || state === 'FAILED' ? 1 : 0);
  }

  /** The grace timer and shutdown() may both decide to exit: only the first decision counts. */
  private exitOnce(code: number): void {
    if (this.exited) return;
    this.exited = true;
    this.exit(code);
  }

  private async runClose(reason: string): Promise<LifecycleState> {
    this.currentState = 'STOPPING';
    this.logger.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      const error = new VigilError('VIGIL_SHUTDOWN_TIMEOUT', `shutdown took longer than ${this.graceMs} ms`);
      this.logger.fatal({ err: error }, 'shutdown grace time exceeded; exiting');
      this.currentState = 'FAILED';
      this.exitOnce(1);
    }, this.graceMs);
    // Not unref'd: a step stuck on a promise that no socket or timer will settle
    // would otherwise let the loop empty and the process end with 0, steps unrun.
    let failed = false;
    for (const step of [...this.steps].reverse()) {
      try {
        await step.run();
        this.logger.debug({ step: step.name }, 'closed');
      } catch (error) {
        failed = true;
        this.logger.error({ err: error, step: step.name }, 'close step failed');
      }
    }
    clearTimeout(timer);
    if (this.currentState === 'STOPPING') this.currentState = failed ? 'FAILED' : 'STOPPED';
    this.logger.info({ state: this.currentState }, 'shut down');
    return this.currentState;
  }

  private listen(): void {
    for (const signal of SIGNALS) this.on(signal, () => void this.shutdown(signal));
    // An uncaught error leaves the process in an unknown state: never keep running.
    const fatal = (error: unknown) => {
      this.logger.fatal({ err: error }, 'uncaught error; shutting down');
      void this.shutdown('uncaught error', true);
    };
    this.on('uncaughtException', fatal);
    this.on('unhandledRejection', fatal);
  }

  private on(event: string, listener: (...args: unknown[]) => void): void {
    process.on(event, listener);
    this.listeners.push([event, listener]);
  }

  private unlisten(): void {
    for (const [event, listener] of this.listeners) process.off(event, listener);
    this.listeners.length = 0;
  }
}
