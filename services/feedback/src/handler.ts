import { type AvroCodec, decodeOrReject, type Projection } from '@vigil/avro';
import type { FeedbackRequest, TopicNames } from '@vigil/contracts';
import { type DedupMark, PendingMarks, type RedisDedupStore } from '@vigil/dedup';
import type { BatchHandler, OutputMessage, RecordOutcome, SourceRecord } from '@vigil/kafka';
import type { Counter, LabelValues } from 'prom-client';
import { requestsOf, type ScoredAlertHead, SKIPPED_ALERT_FIELDS } from './core.ts';
import type { FeedbackMetrics } from './metrics.ts';
import type { FeedbackPolicies } from './policy.ts';

export interface FeedbackDependencies {
  codec: AvroCodec;
  dedup: RedisDedupStore;
  topics: TopicNames;
  metrics: FeedbackMetrics;
  policies: FeedbackPolicies;
  /** Processing clock, for `requestedAt` only. */
  now?: () => number;
}

type Candidate = { index: number; request: FeedbackRequest; coordinates: string };

/**
 * Counts per label set over a chunk, added to the counter once per set: a
 * labelled counter's inc per record is measurable at thousands of records/s.
 */
class ChunkTally<L extends string> {
  private readonly counts = new Map<string, { labels: Record<L, string>; value: number }>();

  add(labels: Record<L, string>, by = 1): void {
    const key = Object.values(labels).join('\u0000');
    const entry = this.counts.get(key);
    if (entry) entry.value += by;
    else this.counts.set(key, { labels, value: by });
  }

  addTo(counter: Counter<L>): void {
    for (const { labels, value } of this.counts.values()) counter.inc(labels as LabelValues<L>, value);
  }
}

/**
 * The feedback service's batch handler: decode `vigil.ScoredAlert` (without the
 * alert's values, attributes and features) → decide every Score under its
 * model's policy (pure, deterministic) → drop requests whose id is marked in
 * Redis or came earlier in the chunk → `vigil.FeedbackRequest` on
 * feedback.requests, keyed by alert id. The marks are written in
 * `afterPublish`, once Kafka acknowledged the requests: a crash in between
 * re-publishes the same requests (same ids) rather than losing them.
 */
export class FeedbackHandler implements BatchHandler {
  private readonly now: () => number;
  private readonly head: Projection<'vigil.ScoredAlert'>;
  private readonly pendingMarks: PendingMarks;

  constructor(private readonly deps: FeedbackDependencies) {
    this.now = deps.now ?? Date.now;
    this.pendingMarks = new PendingMarks(deps.dedup);
    this.head = deps.codec.projection('vigil.ScoredAlert', SKIPPED_ALERT_FIELDS);
  }

  async process(records: SourceRecord[]): Promise<RecordOutcome[]> {
    const requestedAt = this.now();
    const outcomes: RecordOutcome[] = new Array(records.length);
    const candidates: Candidate[] = [];
    const scores = new ChunkTally<'model' | 'alias'>();
    for (let index = 0; index < records.length; index++) {
      const record = records[index] as SourceRecord;
      const result = await decodeOrReject<ScoredAlertHead>(this.deps.codec, record.message.value, this.head);
      if (!result.ok) {
        outcomes[index] = result.deadLetter;
        continue;
      }
      outcomes[index] = { kind: 'ACK', outputs: [] };
      for (const score of result.value.scores) scores.add({ model: score.model, alias: score.alias });
      const coordinates = `${record.topic}/${record.partition}/${record.offset}`;
      for (const request of requestsOf(result.value, this.deps.policies, requestedAt)) {
        candidates.push({ index, request, coordinates });
      }
    }
    scores.addTo(this.deps.metrics.scores);

    const marked = await this.deps.dedup.lookup(candidates.map((c) => c.request.requestId));
    const seen = new Set<string>();
    const marks: DedupMark[] = [];
    let duplicates = 0;
    const requests = new ChunkTally<'reason' | 'model' | 'alias'>();
    const weights = new ChunkTally<'model' | 'alias'>();
    for (let i = 0; i < candidates.length; i++) {
      const { index, request, coordinates } = candidates[i] as Candidate;
      if (marked[i] !== null || seen.has(request.requestId)) {
        duplicates++;
        continue;
      }
      seen.add(request.requestId);
      marks.push({ id: request.requestId, coordinates });
      (outcomes[index] as { outputs: OutputMessage[] }).outputs.push(this.output(request));
      const { reason, model, alias, inclusionProbability } = request;
      requests.add({ reason, model, alias });
      weights.add({ model, alias }, 1 / inclusionProbability);
      this.deps.metrics.inclusionProbability.observe({ reason }, inclusionProbability);
    }
    requests.addTo(this.deps.metrics.requests);
    weights.addTo(this.deps.metrics.weight);
    if (duplicates > 0) this.deps.metrics.duplicates.inc(duplicates);
    this.pendingMarks.hold(records, marks);
    return outcomes;
  }

  /** Marks the published request ids once Kafka acknowledged them (see the class comment). */
  async afterPublish(records: SourceRecord[]): Promise<void> {
    await this.pendingMarks.write(records);
  }

  private output(request: FeedbackRequest): OutputMessage {
    const topic = this.deps.topics.feedbackRequests;
    return { topic, key: request.alertId, value: this.deps.codec.encode<'vigil.FeedbackRequest'>(topic, request) };
  }
}
