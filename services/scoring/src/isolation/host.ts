import { ERROR_CATALOGUE, type ErrorCode, VigilError } from '@vigil/errors';
import type { Logger } from '@vigil/logging';
import { backoffDelay } from '@vigil/timing';
import {
  HOST_MISSING_REASONS,
  type HostMissingReason,
  type HostOutcome,
  type HostState,
  type ModuleHost,
} from '../module-host.ts';
import type { ModuleInfo, ScoringRecord } from '../runtime/index.ts';
import { type FaultKind, faultFor } from './faults.ts';
import { type Isolate, type IsolateExit, type IsolateKind, spawnIsolate } from './isolate.ts';
import { encodeBatch, type FromIsolate } from './protocol.ts';

export interface IsolatedHostOptions {
  model: string;
  alias: string;
  version: string;
  /** The verified bundle folder (the cache's copy). */
  dir: string;
  isolation: IsolateKind;
  /** Time budget of one batch; past it the isolate is terminated and restarted. */
  timeoutMs: number;
  /** Time budget of loading and verifying the bundle. */
  loadTimeoutMs: number;
  maxHeapMb: number;
  /** Longest wait between restarts of an isolate that keeps failing. */
  restartBackoffMaxMs: number;
  /** Test hook (VIGIL_FAULT_INJECTION): the fault the isolate plays instead of scoring. */
  fault?: FaultKind | null;
  logger: Logger;
  /** Called when the isolate is replaced after a failure. */
  onRestart?: (reason: HostMissingReason) => void;
}

type Reply = FromIsolate | { type: 'lost'; reason: HostMissingReason; detail: string };

const FIRST_RESTART_DELAY_MS = 250;

function failure(reason: HostMissingReason, detail: string): HostOutcome {
  return { ok: false, reason, detail };
}

/**
 * A module version running in its own isolate (worker thread or child
 * process). One batch at a time goes in; each must come back within
 * `timeoutMs`, or the batch is MISSING with MODULE_TIMEOUT and the isolate is
 * terminated and started again from the same bundle. An isolate that dies
 * (uncaught error, heap limit) is started again the same way, after a backoff
 * that grows while it keeps failing; meanwhile its scores are MISSING with
 * MODULE_RESTARTING, returned at once so that nothing waits for it. A
 * restarted isolate is on probation: it scores one batch in the background
 * (whose scores are MISSING too) and only when that comes back in time do
 * batches wait for it again, so a module that keeps hanging costs the stream
 * one time budget, not one per restart.
 */
export class IsolatedModuleHost implements ModuleHost {
  readonly version: string;
  private currentInfo: ModuleInfo | undefined;
  private currentState: HostState = 'starting';
  private isolate: Isolate | undefined;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private nextId = 1;
  private failures = 0;
  private probing = false;
  private launches = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: IsolatedHostOptions) {
    this.version = options.version;
    this.logger = options.logger.child({ model: options.model, alias: options.alias, version: options.version });
  }

  get info(): ModuleInfo | undefined {
    return this.currentInfo;
  }

  get state(): HostState {
    return this.currentState;
  }

  /** The isolate scoring now: thread id or process id, for logs and memory measurements. */
  get isolateId(): { kind: IsolateKind; id: number } | undefined {
    return this.isolate ? { kind: this.isolate.kind, id: this.isolate.id } : undefined;
  }

  async start(): Promise<ModuleInfo> {
    const info = await this.launch();
    this.currentInfo = info;
    if (this.currentState === 'starting') this.currentState = 'ready';
    return info;
  }

  async score(records: readonly ScoringRecord[]): Promise<HostOutcome> {
    const { isolate, currentInfo: info } = this;
    if (this.currentState === 'probation' && isolate && info) {
      // Nothing waits for a module that just failed: this batch probes it in the background.
      if (!this.probing && records.length > 0) {
        this.probing = true;
        void this.run(isolate, info, records).then((outcome) => {
          this.probing = false;
          if (outcome.ok && this.currentState === 'probation' && this.isolate === isolate) {
            this.currentState = 'ready';
            this.logger.info({ failures: this.failures }, 'module isolate passed its probe; scoring again');
          }
        });
      }
      return failure(
        HOST_MISSING_REASONS.MODULE_RESTARTING,
        'the module restarted after a failure and is on probation',
      );
    }
    if (this.currentState !== 'ready' || !isolate || !info) {
      return failure(HOST_MISSING_REASONS.MODULE_RESTARTING, `the module's isolate is ${this.currentState}`);
    }
    if (records.length === 0) return this.run(isolate, info, records);
    return this.run(isolate, info, records);
  }

  private async run(isolate: Isolate, info: ModuleInfo, records: readonly ScoringRecord[]): Promise<HostOutcome> {
    const batch = encodeBatch(records, info.inputs);
    const reply = await this.call(isolate, (id) => ({ type: 'score', id, batch }), [
      batch.numbers.buffer as ArrayBuffer,
    ]);
    switch (reply.type) {
      case 'scored':
        this.failures = 0;
        return { ok: true, scored: reply.results };
      case 'failed':
        return failure(HOST_MISSING_REASONS.MODULE_ERROR, `${reply.code}: ${reply.message}`);
      case 'lost':
        return failure(reply.reason, reply.detail);
      default:
        return failure(HOST_MISSING_REASONS.MODULE_ERROR, `unexpected reply ${reply.type}`);
    }
  }

  async exportHistory(): Promise<unknown> {
    if (this.currentState !== 'ready' || !this.isolate) return undefined;
    const reply = await this.call(this.isolate, (id) => ({ type: 'export-history', id }));
    return reply.type === 'history' ? reply.snapshot : undefined;
  }

  async importHistory(snapshot: unknown): Promise<void> {
    if (this.currentState !== 'ready' || !this.isolate || snapshot === undefined) return;
    await this.call(this.isolate, (id) => ({ type: 'import-history', id, snapshot }));
  }

  /** Stops the isolate (gracefully, then by force) and answers anything pending as restarting. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.currentState = 'closed';
      clearTimeout(this.restartTimer);
      const isolate = this.isolate;
      this.isolate = undefined;
      this.settleAll(HOST_MISSING_REASONS.MODULE_RESTARTING, 'the module host is closing');
      if (!isolate) return;
      isolate.send({ type: 'close' });
      const force = setTimeout(() => void isolate.kill(), 2_000);
      await new Promise<void>((resolve) => isolate.onExit(() => resolve()));
      clearTimeout(force);
    })();
    return this.closing;
  }

  /** Sends one request; its reply, or `lost` when the isolate times out or dies first. */
  private call(
    isolate: Isolate,
    message: (id: number) => Parameters<Isolate['send']>[0],
    transfer?: ArrayBuffer[],
  ): Promise<Reply> {
    const id = this.nextId++;
    return new Promise<Reply>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({
          type: 'lost',
          reason: HOST_MISSING_REASONS.MODULE_TIMEOUT,
          detail: `no answer within ${this.options.timeoutMs} ms`,
        });
        this.recover(isolate, HOST_MISSING_REASONS.MODULE_TIMEOUT, `no answer within ${this.options.timeoutMs} ms`);
      }, this.options.timeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(reply);
      });
      isolate.send(message(id), transfer);
    });
  }

  private settleAll(reason: HostMissingReason, detail: string): void {
    for (const settle of [...this.pending.values()]) settle({ type: 'lost', reason, detail });
  }

  /** Starts an isolate and loads the bundle in it; rejects with the refusal (and kills the isolate). */
  private launch(): Promise<ModuleInfo> {
    const { options } = this;
    const isolate = spawnIsolate(options.isolation, { maxHeapMb: options.maxHeapMb });
    return new Promise<ModuleInfo>((resolve, reject) => {
      let loading = true;
      const refuse = (error: VigilError) => {
        if (!loading) return;
        loading = false;
        clearTimeout(timer);
        void isolate.kill();
        reject(error);
      };
      const timer = setTimeout(
        () =>
          refuse(
            new VigilError(
              'VIGIL_SCORING_LOAD_TIMEOUT',
              `${options.model} v${options.version}: loading took longer than ${options.loadTimeoutMs} ms`,
            ),
          ),
        options.loadTimeoutMs,
      );
      isolate.onMessage((message) => {
        if (message.type === 'ready' && loading) {
          loading = false;
          clearTimeout(timer);
          this.isolate = isolate;
          resolve(message.info);
        } else if (message.type === 'load-failed') {
          const known = Object.hasOwn(ERROR_CATALOGUE, message.code);
          refuse(
            new VigilError(
              known ? (message.code as ErrorCode) : 'VIGIL_SCORING_MODULE_LOAD_FAILED',
              known ? message.message : `${message.code}: ${message.message}`,
              { model: options.model, version: options.version },
            ),
          );
        } else if ('id' in message) {
          this.pending.get(message.id)?.(message);
        }
      });
      isolate.onExit((exit) => {
        if (loading) {
          refuse(
            new VigilError(
              'VIGIL_SCORING_ISOLATE_CRASHED',
              `${options.model} v${options.version}: ${describeExit(exit)} while loading`,
              {
                model: options.model,
                version: options.version,
              },
            ),
          );
          return;
        }
        if (this.isolate === isolate) {
          const reason = exit.outOfMemory
            ? HOST_MISSING_REASONS.MODULE_OUT_OF_MEMORY
            : HOST_MISSING_REASONS.MODULE_CRASHED;
          this.recover(isolate, reason, describeExit(exit));
        }
      });
      isolate.send({ type: 'load', dir: options.dir, fault: faultFor(options.fault, this.launches++) });
    });
  }

  /** A method, not a field read, so that TypeScript does not narrow the state across awaits. */
  private closed(): boolean {
    return this.currentState === 'closed';
  }

  /** 250 ms after the first failure in a row, doubling up to restartBackoffMaxMs; not jittered, so predictable. */
  private restartDelay(): number {
    return backoffDelay(
      { initialMs: FIRST_RESTART_DELAY_MS, maxMs: this.options.restartBackoffMaxMs },
      this.failures - 1,
    );
  }

  /** After a time-out or a death: answer what is pending, end the isolate, start a new one after a backoff. */
  private recover(isolate: Isolate, reason: HostMissingReason, detail: string): void {
    if (this.isolate !== isolate || this.currentState === 'closed') return;
    this.isolate = undefined;
    this.currentState = 'restarting';
    this.settleAll(
      reason === HOST_MISSING_REASONS.MODULE_TIMEOUT ? HOST_MISSING_REASONS.MODULE_RESTARTING : reason,
      detail,
    );
    void isolate.kill();
    this.failures++;
    const delay = this.restartDelay();
    this.logger.warn(
      { reason, detail, restartInMs: delay, failures: this.failures },
      'module isolate failed; restarting',
    );
    this.options.onRestart?.(reason);
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    if (this.closed()) return;
    try {
      await this.launch();
      if (this.closed()) {
        await this.isolate?.kill();
        return;
      }
      this.currentState = 'probation';
      this.logger.info({ failures: this.failures }, 'module isolate restarted; on probation');
    } catch (error) {
      if (this.closed()) return;
      this.failures++;
      const delay = this.restartDelay();
      this.logger.warn({ err: error, restartInMs: delay }, 'module isolate did not restart; trying again');
      this.restartTimer = setTimeout(() => void this.restart(), delay);
    }
  }
}

function describeExit(exit: IsolateExit): string {
  if (exit.outOfMemory) return 'ran out of memory';
  const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
  return exit.error ? `died (${how}): ${exit.error.message}` : `ended (${how})`;
}
