import { type AvroCodec, decodeOrReject, type Projection } from '@vigil/avro';
import type { FeedbackRequest, TopicNames } from '@vigil/contracts';
import { type DedupMark, PendingMarks, type RedisDedupStore } from '@vigil/dedup';
import type { BatchHandler, OutputMessage, RecordOutcome, SourceRecord } from '@vigil/kafka';
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

/** Adds `by` to a counter's label set in a per-chunk tally (one inc per label set per chunk). */
function tally(
  counts: Map<string, { labels: Record<string, string>; value: number }>,
  labels: Record<string, string>,
  by = 1,
) {
  const key = Object.values(labels).join('\u0000');
  const entry = counts.get(key);
  if (entry) entry.value += by;
  else counts.set(key, { labels, value: by });
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
    const scores = new Map<string, { labels: Record<string, string>; value: number }>();
    for (let index = 0; index < records.length; index++) {
      const record = records[index] as SourceRecord;
      const result = await decodeOrReject<ScoredAlertHead>(this.deps.codec, record.message.value, this.head);
      if (!result.ok) {
        outcomes[index] = result.deadLetter;
        continue;
      }
      outcomes[index] = { kind: 'ACK', outputs: [] };
      for (const score of result.value.scores) tally(scores, { model: score.model, alias: score.alias });
      const coordinates = `${record.topic}/${record.partition}/${record.offset}`;
      for (const request of requestsOf(result.value, this.deps.policies, requestedAt)) {
        candidates.push({ index, request, coordinates });
      }
    }
    for (const { labels, value } of scores.values()) this.deps.metrics.scores.inc(labels, value);

    const marked = await this.deps.dedup.lookup(candidates.map((c) => c.request.requestId));
    const seen = new Set<string>();
    const marks: DedupMark[] = [];
    let duplicates = 0;
    const requests = new Map<string, { labels: Record<string, string>; value: number }>();
    const weights = new Map<string, { labels: Record<string, string>; value: number }>();
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
      tally(requests, { reason, model, alias });
      tally(weights, { model, alias }, 1 / inclusionProbability);
      this.deps.metrics.inclusionProbability.observe({ reason }, inclusionProbability);
    }
    for (const { labels, value } of requests.values()) this.deps.metrics.requests.inc(labels, value);
    for (const { labels, value } of weights.values()) this.deps.metrics.weight.inc(labels, value);
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
