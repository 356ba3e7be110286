import type { Logger } from '@vigil/logging';
import type { ReadinessReport } from '@vigil/metrics';
import { sleep } from '@vigil/timing';
import type { ModelRef } from '../config.ts';
import { ModelWatcher, type WatcherDependencies, type WatcherLease } from './model-watcher.ts';

export interface ModelSetOptions {
  pollIntervalMs: number;
  /** How long `start` waits for every model to serve before giving up waiting (scoring then starts anyway). */
  startupWaitMs: number;
}

/** What one batch scores with: one lease per configured model@alias, released together. */
export interface BatchLease {
  entries: WatcherLease[];
  release(): void;
}

/**
 * Every configured model@alias, each kept current by its own watcher; one
 * lease per batch, so a batch is scored by exactly one version of each.
 */
export class ModelSet {
  readonly watchers: ModelWatcher[];
  private closing: Promise<void> | undefined;

  constructor(
    refs: readonly ModelRef[],
    private readonly deps: WatcherDependencies,
    private readonly options: ModelSetOptions,
  ) {
    const watcherDeps = { ...deps, onStaleChange: () => this.updateStale() };
    this.watchers = refs.map((ref) => new ModelWatcher(ref, watcherDeps));
  }

  /**
   * Resolves and loads every model (from MLflow, or from the cache when MLflow
   * is down), starts polling, and waits up to `startupWaitMs` for all of them
   * to serve. Models still without a version then score MISSING until one loads.
   */
  async start(logger: Logger): Promise<void> {
    await Promise.all(this.watchers.map((w) => w.poll()));
    for (const w of this.watchers) w.startPolling(this.options.pollIntervalMs);
    this.updateStale();
    const deadline = Date.now() + this.options.startupWaitMs;
    while (!this.watchers.every((w) => w.version !== undefined) && Date.now() < deadline && !this.closing) {
      await sleep(200);
    }
    const waiting = this.watchers.filter((w) => w.version === undefined).map((w) => `${w.name}: ${w.status().text}`);
    if (waiting.length > 0)
      logger.error({ waiting }, 'starting without every model; their scores are MISSING until they load');
  }

  async lease(): Promise<BatchLease> {
    const entries = await Promise.all(this.watchers.map((w) => w.lease()));
    return {
      entries,
      release: () => {
        for (const e of entries) e.release();
      },
    };
  }

  /** Ready when every model serves a version; a stale registry shows in the checks without making it unready. */
  readiness(): ReadinessReport {
    const checks: Record<string, string> = {};
    let ready = true;
    for (const w of this.watchers) {
      const { ok, text } = w.status();
      checks[`model ${w.name}`] = text;
      ready &&= ok;
    }
    const stale = this.watchers.filter((w) => w.stale).map((w) => w.name);
    checks.registry = stale.length > 0 ? `stale: MLflow unreachable for ${stale.join(', ')}` : 'ok';
    return { ready, checks };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled(this.watchers.map((w) => w.close()));
    })();
    return this.closing;
  }

  private updateStale(): void {
    this.deps.metrics.registryStale.set(this.watchers.some((w) => w.stale) ? 1 : 0);
  }
}
