import { type AvroCodec, decodeOrReject, HEADER_LENGTH, writeWireHeader } from '@vigil/avro';
import type { Alert, LoadedSchema, TopicNames } from '@vigil/contracts';
import type { BatchHandler, RecordOutcome, SourceRecord } from '@vigil/kafka';
import { missingScore, type ScoredBy } from './core.ts';
import { VERDICTS } from './isolation/protocol.ts';
import type { ScoringMetrics } from './metrics.ts';
import { HOST_MISSING_REASONS } from './module-host.ts';
import type { BatchLease } from './registry/model-set.ts';
import type { WatcherLease } from './registry/model-watcher.ts';
import {
  AvroWriter,
  latencyBytes,
  type ModuleBytes,
  scoreBytes,
  scoreHead,
  verdictIndices,
  writeScoredAlert,
} from './score-bytes.ts';

export interface ScoringDependencies {
  codec: AvroCodec;
  /** One lease per batch: every model@alias with the one version that scores the whole batch. */
  models: { lease(): Promise<BatchLease> };
  topics: TopicNames;
  metrics: ScoringMetrics;
  now?: () => number;
}

/**
 * Scoring's batch handler: decode `vigil.Alert` → every module scores the
 * whole batch at once, each in its own isolate, all in parallel → one
 * `vigil.ScoredAlert` per alert (one Score per model@alias, in SCORING_MODELS
 * order) on alerts.scored, keyed by entity. The Scores come out of the
 * isolates already in Avro (score-bytes.ts); here they are spliced after the
 * alert's own encoding: the input record's bytes as they came when enrichment
 * wrote them with the same vigil.Alert schema (the usual case), else a fresh
 * encoding of the decoded alert. An undecodable record is dead-lettered with the Avro error
 * code; a module that fails gives MISSING scores, never a retry or a dead
 * letter, so one module cannot hold up the stream.
 */
export class ScoringHandler implements BatchHandler {
  private readonly now: () => number;
  private readonly verdictIndex = verdictIndices();
  private readonly alertType: LoadedSchema['type'];
  private readonly writer = new AvroWriter(64 * 1024);

  constructor(private readonly deps: ScoringDependencies) {
    this.now = deps.now ?? Date.now;
    this.alertType = deps.codec.schema('vigil.Alert').type;
  }

  async process(records: SourceRecord[]): Promise<RecordOutcome[]> {
    const outcomes: RecordOutcome[] = new Array(records.length);
    const alerts: Alert[] = [];
    const indexes: number[] = [];
    /** Each alert's encoding: its input bytes when they were written with the local vigil.Alert. */
    const bodies: (Buffer | undefined)[] = [];
    for (let index = 0; index < records.length; index++) {
      const value = (records[index] as SourceRecord).message.value;
      const decoded = await decodeOrReject(this.deps.codec, value, 'vigil.Alert');
      if (!decoded.ok) {
        outcomes[index] = decoded.deadLetter;
        continue;
      }
      alerts.push(decoded.value);
      indexes.push(index);
      bodies.push(this.deps.codec.bodyIfLocal(value as Buffer, 'vigil.Alert'));
    }
    if (alerts.length === 0) return outcomes;

    const lease = await this.deps.models.lease();
    let perModule: ModuleBytes[];
    try {
      perModule = await Promise.all(lease.entries.map((entry) => this.scoreWith(entry, alerts)));
    } finally {
      lease.release();
    }

    const topic = this.deps.topics.alertsScored;
    const header = Buffer.alloc(HEADER_LENGTH);
    writeWireHeader(header, this.deps.codec.schemaIdFor(topic));
    const scoredAt = this.now();
    const w = this.writer;
    alerts.forEach((alert, i) => {
      w.reset();
      w.raw(header);
      writeScoredAlert(w, bodies[i] ?? this.alertType.toBuffer(alert), perModule, i, scoredAt);
      outcomes[indexes[i] as number] = { kind: 'ACK', outputs: [{ topic, key: alert.entity, value: w.toBuffer() }] };
    });
    return outcomes;
  }

  /** One module's Scores for the batch, as Avro pieces; MISSING with a reason when it gave none. */
  private async scoreWith(entry: WatcherLease, alerts: Alert[]): Promise<ModuleBytes> {
    const { metrics } = this.deps;
    const { model, alias } = entry.ref;
    if (entry.version === null) {
      metrics.failures.inc({ model, alias, reason: entry.reason });
      return this.missing({ model, alias, version: '' }, undefined, entry.reason, 0, alerts.length);
    }
    const by: ScoredBy = { model, alias, version: entry.version };
    const started = performance.now();
    const outcome = await entry.host.score(alerts);
    const latencyMs = performance.now() - started;
    metrics.moduleSeconds.observe({ model, alias }, latencyMs / 1_000);
    const info = entry.host.info;
    if (!outcome.ok || outcome.scored.n !== alerts.length || !info) {
      const reason = outcome.ok ? HOST_MISSING_REASONS.MODULE_ERROR : outcome.reason;
      metrics.failures.inc({ model, alias, reason });
      return this.missing(by, info, reason, latencyMs, alerts.length);
    }
    const { scored } = outcome;
    const calibrated = metrics.calibrated.labels({ model, alias });
    const counts = new Array<number>(VERDICTS.length).fill(0);
    for (let i = 0; i < scored.n; i++) {
      const c = scored.calibrated[i] as number;
      if (!Number.isNaN(c)) calibrated.observe(c);
      const v = scored.verdicts[i] as number;
      counts[v] = (counts[v] ?? 0) + 1;
    }
    counts.forEach((n, v) => {
      if (n > 0) metrics.verdicts.inc({ model, alias, verdict: VERDICTS[v] as string }, n);
    });
    return { head: scoreHead({ module: info.module, ...by }), scored, latency: latencyBytes(latencyMs) };
  }

  private missing(
    by: ScoredBy,
    info: Parameters<typeof missingScore>[1],
    reason: string,
    latencyMs: number,
    n: number,
  ): ModuleBytes {
    this.deps.metrics.verdicts.inc({ model: by.model, alias: by.alias, verdict: 'MISSING' }, n);
    // One Score for the whole batch, written once.
    return { whole: scoreBytes(missingScore(by, info, reason, latencyMs), this.verdictIndex) };
  }
}
