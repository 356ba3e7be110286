import { type AvroCodec, decodeOrReject, type Projection } from '@vigil/avro';
import type { Incident, TopicNames } from '@vigil/contracts';
import type { BatchHandler, OutputMessage, RecordOutcome, SourceRecord } from '@vigil/kafka';
import { applyScoredAlert, type CoreSettings, type ScoredAlertHead, SKIPPED_ALERT_FIELDS } from './core.ts';
import type { IncidentMetrics } from './metrics.ts';
import type { EntityState as State } from './state.ts';
import type { RedisIncidentStore, StateWrite } from './store.ts';

export interface IncidentDependencies {
  codec: AvroCodec;
  store: RedisIncidentStore;
  topics: TopicNames;
  metrics: IncidentMetrics;
  settings: CoreSettings;
  /** Processing clock, for `processedAt` only. */
  now?: () => number;
}

type Decoded = { index: number; scored: ScoredAlertHead };

/**
 * The incident service's batch handler: decode `vigil.ScoredAlert` → load the
 * batch's entity states (one MGET) → apply each alert in partition order →
 * `vigil.Incident` transitions on `incidents` or `incidents.shadow`.
 *
 * The new states are written in `afterPublish`, once Kafka acknowledged the
 * transitions: a crash before that leaves the old state, so the re-read
 * records produce the same transitions again (same incidentId and sequence,
 * which the store's upsert deduplicates); a crash after it leaves a state that
 * marks those records processed, so nothing is emitted twice. The consume
 * loop runs process → publish → afterPublish for one chunk before the next
 * chunk's process, so `process` always reads the state its predecessor wrote.
 */
export class IncidentHandler implements BatchHandler {
  private readonly now: () => number;
  private readonly pendingWrites = new WeakMap<readonly SourceRecord[], StateWrite[]>();

  private readonly head: Projection<'vigil.ScoredAlert'>;

  constructor(private readonly deps: IncidentDependencies) {
    this.now = deps.now ?? Date.now;
    this.head = deps.codec.projection('vigil.ScoredAlert', SKIPPED_ALERT_FIELDS);
  }

  async process(records: SourceRecord[]): Promise<RecordOutcome[]> {
    const processedAt = this.now();
    const outcomes: RecordOutcome[] = new Array(records.length);
    const decoded: Decoded[] = [];
    for (let index = 0; index < records.length; index++) {
      const value = (records[index] as SourceRecord).message.value;
      const result = await decodeOrReject<ScoredAlertHead>(this.deps.codec, value, this.head);
      if (result.ok) decoded.push({ index, scored: result.value });
      else outcomes[index] = result.deadLetter;
    }

    const entities = [...new Set(decoded.map((d) => d.scored.alert.entity))];
    const loaded = await this.deps.store.load(entities);
    const before = new Map<string, State>();
    const current = new Map<string, State>();
    const changed = new Set<string>();
    for (const [entity, parsed] of loaded) {
      if (parsed.ok) {
        before.set(entity, parsed.state);
        current.set(entity, parsed.state);
      }
    }

    for (const { index, scored } of decoded) {
      const entity = scored.alert.entity;
      const state = current.get(entity);
      if (state === undefined) {
        const parsed = loaded.get(entity);
        outcomes[index] = {
          kind: 'DEAD_LETTER',
          code: 'VIGIL_INCIDENT_STATE_CORRUPT',
          message: `refused incident state ${parsed && !parsed.ok ? parsed.message : entity}`,
        };
        continue;
      }
      const applied = applyScoredAlert(state, scored, this.deps.settings, processedAt);
      this.count(applied.incidents, applied.replayed, applied.suppressed);
      if (applied.replayed < scored.scores.length) {
        current.set(entity, applied.state);
        changed.add(entity);
      }
      outcomes[index] = { kind: 'ACK', outputs: applied.incidents.map((incident) => this.output(incident)) };
    }

    this.pendingWrites.set(
      records,
      [...changed].map((entity) => ({ before: before.get(entity) as State, after: current.get(entity) as State })),
    );
    return outcomes;
  }

  /** Writes the batch's new states once its transitions are on Kafka (see the class comment). */
  async afterPublish(records: SourceRecord[]): Promise<void> {
    const writes = this.pendingWrites.get(records);
    if (writes) await this.deps.store.save(writes);
    this.pendingWrites.delete(records);
  }

  private output(incident: Incident): OutputMessage {
    const topic = incident.actionable ? this.deps.topics.incidents : this.deps.topics.incidentsShadow;
    return { topic, key: incident.entity, value: this.deps.codec.encode<'vigil.Incident'>(topic, incident) };
  }

  private count(incidents: readonly Incident[], replayed: number, suppressed: readonly string[]): void {
    const { metrics } = this.deps;
    for (const incident of incidents) {
      metrics.transitions.inc({ status: incident.status, alias: incident.alias });
      if (incident.reminder) metrics.reminders.inc({ alias: incident.alias });
    }
    for (const alias of suppressed) metrics.suppressed.inc({ alias });
    if (replayed > 0) metrics.replayed.inc(replayed);
  }
}
