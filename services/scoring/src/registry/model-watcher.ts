import { isRetriable, VigilError } from '@vigil/errors';
import type { Logger } from '@vigil/logging';
import { type ModelRef, refName } from '../config.ts';
import type { ScoringMetrics } from '../metrics.ts';
import { HOST_MISSING_REASONS, type HostMissingReason, type ModuleHost } from '../module-host.ts';
import { type BundleCache, downloadBundle } from './bundle-cache.ts';
import { MANIFEST_SHA_TAG, type MlflowClient, type ModelVersion } from './mlflow.ts';

export interface WatcherDependencies {
  client: MlflowClient;
  cache: BundleCache;
  /** A host for one version's bundle folder; not started yet. */
  createHost: (ref: ModelRef, version: string, dir: string) => ModuleHost;
  metrics: ScoringMetrics;
  logger: Logger;
  /** Called whenever the watcher becomes stale or stops being stale. */
  onStaleChange?: () => void;
}

/** One version in use (or warmed and waiting to be): its host and how many batches hold it. */
interface Serving {
  version: string;
  host: ModuleHost;
  leases: number;
  retired: boolean;
}

/** What one batch scores with for one model@alias: a host, or the reason there is none. */
export type WatcherLease =
  | { ref: ModelRef; version: string; host: ModuleHost; release: () => void }
  | { ref: ModelRef; version: null; reason: HostMissingReason; release: () => void };

/**
 * Keeps one model@alias served by the version its alias points at in MLflow.
 *
 * A poll resolves the alias; a version not seen before is downloaded into the
 * cache, loaded and verified in a new isolate (hashes, self test, test
 * inference), and becomes *next*. The swap happens between batches: a batch
 * leases the serving host for its whole duration, the swap waits until no
 * batch holds the old one, carries the lag/diff history over, and from then on
 * every new batch gets the new host; the old one closes when its last lease is
 * released. A version that fails anywhere on that path is refused (metric
 * and log with the reason), remembered so that it is not tried again, and the
 * serving version stays. MLflow unreachable marks the watcher stale; with
 * nothing loaded, the version the alias last resolved to is loaded from the
 * cache.
 */
export class ModelWatcher {
  readonly ref: ModelRef;
  readonly name: string;
  private serving: Serving | undefined;
  private next: Serving | undefined;
  private swapping: Promise<void> | undefined;
  /** Batches waiting for the serving version's leases to drain before a swap. */
  private readonly drained: (() => void)[] = [];
  private readonly refused = new Map<string, string>();
  private staleSince: { at: number; code: string } | undefined;
  private problem: string | undefined;
  /** The version the alias pointed at when last resolved. */
  private target: string | undefined;
  private triedCache = false;
  private attempted = false;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private closed = false;
  private readonly logger: Logger;

  constructor(
    ref: ModelRef,
    private readonly deps: WatcherDependencies,
  ) {
    this.ref = ref;
    this.name = refName(ref);
    this.logger = deps.logger.child({ model: ref.model, alias: ref.alias });
  }

  /** The version serving now, if any. */
  get version(): string | undefined {
    return this.serving?.version;
  }

  get stale(): boolean {
    return this.staleSince !== undefined;
  }

  /** True once the first resolution (or cache fallback) has finished, whatever its result. */
  get settled(): boolean {
    return this.attempted;
  }

  /** One resolution: alias → version → (download, load, verify) → next → swap when idle. Never throws. */
  poll(): Promise<void> {
    this.polling ??= this.resolve().finally(() => {
      this.polling = undefined;
      this.attempted = true;
    });
    return this.polling;
  }

  /** Polls now and then every `intervalMs` until closed. */
  startPolling(intervalMs: number): void {
    const loop = async () => {
      if (this.closed) return;
      await this.poll();
      if (!this.closed) this.timer = setTimeout(loop, intervalMs);
    };
    this.timer = setTimeout(loop, intervalMs);
  }

  /**
   * The host a batch scores with, held until `release`. When a warmed version
   * waits, a new batch first waits for the batches that hold the old one (at
   * most one batch time), so that the swap cannot starve under concurrent
   * partitions; then it swaps and takes the new one.
   */
  async lease(): Promise<WatcherLease> {
    for (;;) {
      while (this.swapping) await this.swapping;
      if (!this.next) break;
      if ((this.serving?.leases ?? 0) > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
      else await this.swap();
    }
    const serving = this.serving;
    if (!serving) {
      const reason = this.attempted ? HOST_MISSING_REASONS.MODEL_UNAVAILABLE : HOST_MISSING_REASONS.MODULE_LOADING;
      return { ref: this.ref, version: null, reason, release: () => undefined };
    }
    serving.leases++;
    let released = false;
    return {
      ref: this.ref,
      version: serving.version,
      host: serving.host,
      release: () => {
        if (released) return;
        released = true;
        serving.leases--;
        if (serving.leases > 0) return;
        if (serving.retired) void serving.host.close();
        for (const resolve of this.drained.splice(0)) resolve();
      },
    };
  }

  /** One line for /readyz: what serves, what is stale or refused. */
  status(): { ok: boolean; text: string } {
    const parts: string[] = [];
    if (this.serving) {
      parts.push(`v${this.serving.version}`);
      if (this.serving.host.state !== 'ready') parts.push(`isolate ${this.serving.host.state}`);
    } else {
      parts.push(this.attempted ? 'no version loaded' : 'loading');
    }
    if (this.next) parts.push(`v${this.next.version} warmed, swapping`);
    if (this.staleSince)
      parts.push(`registry stale since ${new Date(this.staleSince.at).toISOString()} (${this.staleSince.code})`);
    const refusal = this.target === undefined ? undefined : this.refused.get(this.target);
    if (refusal) parts.push(`refused v${this.target}: ${refusal}`);
    if (this.problem) parts.push(this.problem);
    return { ok: this.serving !== undefined, text: parts.join('; ') };
  }

  /** Stops polling and closes every host once no batch holds it. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.polling;
    while (this.swapping) await this.swapping;
    const hosts = [this.serving, this.next].filter((s): s is Serving => s !== undefined);
    this.serving = undefined;
    this.next = undefined;
    for (const s of hosts)
      this.deps.metrics.modelInfo.remove({ model: this.ref.model, alias: this.ref.alias, version: s.version });
    await Promise.allSettled(hosts.map((s) => s.host.close()));
  }

  private async resolve(): Promise<void> {
    let version: ModelVersion;
    try {
      version = await this.deps.client.versionByAlias(this.ref.model, this.ref.alias);
    } catch (error) {
      await this.unresolved(error);
      return;
    }
    if (this.staleSince) {
      this.logger.info({ version: version.version }, 'registry reachable again');
      this.staleSince = undefined;
      this.deps.onStaleChange?.();
    }
    this.problem = undefined;
    this.target = version.version;
    const known = [this.serving?.version, this.next?.version];
    if (known.includes(version.version) || this.refused.has(version.version) || this.closed) return;
    try {
      await this.warm(version);
    } catch (error) {
      if (isRetriable(error)) this.markStale(error);
      else this.refuse(version.version, error);
    }
  }

  /** MLflow did not give a version: stale (keep serving; with nothing loaded, try the cache) or a lasting problem. */
  private async unresolved(error: unknown): Promise<void> {
    if (!isRetriable(error)) {
      const message = error instanceof Error ? error.message : String(error);
      if (this.problem !== message) this.logger.error({ err: error }, 'cannot resolve the alias; keeping what serves');
      this.problem = message;
      return;
    }
    this.markStale(error);
    if (this.serving || this.triedCache) return;
    this.triedCache = true;
    const cached = await this.deps.cache.aliasVersion(this.ref.model, this.ref.alias);
    if (!cached) {
      this.problem = 'nothing cached to load while the registry is unreachable';
      return;
    }
    this.target = cached;
    try {
      await this.warm({ model: this.ref.model, version: cached, runId: '', source: '', tags: {} }, false);
      this.logger.warn({ version: cached }, 'registry unreachable: serving the cached version the alias last had');
    } catch (error) {
      this.refuse(cached, error);
    }
  }

  private markStale(error: unknown): void {
    const code = error instanceof VigilError ? error.code : 'VIGIL_MLFLOW_UNAVAILABLE';
    if (!this.staleSince) {
      this.staleSince = { at: Date.now(), code };
      this.logger.warn({ err: error }, 'registry unreachable; scoring goes on with the loaded version');
      this.deps.onStaleChange?.();
    }
  }

  /**
   * Makes `version` ready to serve: from the cache when complete there, else
   * downloaded; loaded and verified in a new host. A cached copy that fails is
   * dropped and downloaded again once (when MLflow is known to have it).
   */
  private async warm(version: ModelVersion, fromRegistry = true): Promise<void> {
    const { cache, client } = this.deps;
    const { model } = this.ref;
    let downloaded = false;
    if (!cache.has(model, version.version)) {
      await cache.store(version, await downloadBundle(client, version));
      downloaded = true;
    }
    let host: ModuleHost;
    try {
      host = await this.load(version);
    } catch (error) {
      if (downloaded || !fromRegistry || isRetriable(error)) throw error;
      this.logger.warn({ err: error, version: version.version }, 'cached copy refused; downloading it again');
      await cache.remove(model, version.version);
      await cache.store(version, await downloadBundle(client, version));
      host = await this.load(version);
    }
    if (this.closed) {
      await host.close();
      return;
    }
    if (fromRegistry) await cache.rememberAlias(model, this.ref.alias, version.version);
    // A version warmed earlier but not swapped in yet (batches held the old one) is superseded.
    const superseded = this.next;
    this.next = { version: version.version, host, leases: 0, retired: false };
    if (superseded) await superseded.host.close();
    this.logger.info({ version: version.version, module: host.info?.module }, 'version loaded and verified');
    if ((this.serving?.leases ?? 0) === 0) await this.swap();
  }

  /** Starts a host on the cached folder; checks the loaded manifest against the version's tag when there is one. */
  private async load(version: ModelVersion): Promise<ModuleHost> {
    const host = this.deps.createHost(this.ref, version.version, this.deps.cache.dir(this.ref.model, version.version));
    try {
      const info = await host.start();
      const expected = version.tags[MANIFEST_SHA_TAG];
      if (expected !== undefined && expected !== info.manifestSha256) {
        throw new VigilError(
          'VIGIL_SCORING_MANIFEST_MISMATCH',
          `${this.ref.model} v${version.version}: the loaded manifest hashes to ${info.manifestSha256}, the tag says ${expected}`,
          { model: this.ref.model, version: version.version },
        );
      }
      return host;
    } catch (error) {
      await host.close();
      throw error;
    }
  }

  private refuse(version: string, error: unknown): void {
    const reason = error instanceof VigilError ? error.code : 'VIGIL_SCORING_MODULE_LOAD_FAILED';
    this.refused.set(version, reason);
    this.deps.metrics.refused.inc({ model: this.ref.model, alias: this.ref.alias, reason });
    this.logger.error(
      { err: error, version, reason, serving: this.serving?.version ?? null },
      this.serving
        ? `version ${version} refused; v${this.serving.version} keeps serving`
        : `version ${version} refused`,
    );
  }

  /** Puts `next` in place of `serving`; the history of the old version carries over (lags stay continuous). */
  private swap(): Promise<void> {
    this.swapping ??= (async () => {
      const next = this.next;
      const old = this.serving;
      if (!next) return;
      if (old) {
        const history = await old.host.exportHistory().catch(() => undefined);
        if (history !== undefined) await next.host.importHistory(history).catch(() => undefined);
      }
      this.next = undefined;
      this.serving = next;
      const { model, alias } = this.ref;
      this.deps.metrics.modelInfo.set({ model, alias, version: next.version }, 1);
      if (old) {
        this.deps.metrics.modelInfo.remove({ model, alias, version: old.version });
        this.deps.metrics.swaps.inc({ model, alias });
        old.retired = true;
        if (old.leases === 0) await old.host.close();
      }
      this.logger.info({ version: next.version, previous: old?.version ?? null }, 'now serving');
    })().finally(() => {
      this.swapping = undefined;
    });
    return this.swapping;
  }
}
