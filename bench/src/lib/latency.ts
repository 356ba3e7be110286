import type { AvroCodec } from '@vigil/avro';
import type { Producer } from 'kafkajs';
import type { TappedRecord } from './kafka.ts';
import type { PumpFeed } from './pump-feed.ts';
import { jsonMessages } from './records.ts';

/**
 * Latency from produce: telemetry sent at a steady rate, each record's send
 * time kept, and the records that come out of a chain or a pipeline matched
 * back to the record that caused them.
 */

/** Send times of a paced run (ms since the epoch): by alert id, and by (entity, event time) for incidents. */
export interface Sent {
  count: number;
  firstAt: number;
  lastAt: number;
  byId: Map<string, number>;
  byEvent: Map<string, number>;
}

const eventKey = (entity: string, ts: number) => `${entity}\u0000${ts}`;

export interface PaceOptions {
  rate: number;
  seconds: number;
  /** Records go out every `tickMs` (default 20 ms), `rate × tickMs / 1000` at a time. */
  tickMs?: number;
}

/**
 * Produces `rate` JSON telemetry records per second from `feed` to `topic` for `seconds`.
 * Each tick's records carry the tick's time (taken just before the send) as their event time,
 * kept increasing per pump. Up to a second of sends is in flight at once, so the offered rate
 * does not wait for acknowledgements.
 */
export async function sendPaced(
  producer: Producer,
  topic: string,
  feed: PumpFeed,
  options: PaceOptions,
): Promise<Sent> {
  const tickMs = options.tickMs ?? 20;
  const perTick = Math.max(1, Math.round((options.rate * tickMs) / 1000));
  const ticks = Math.round((options.seconds * 1000) / tickMs);
  const maxInFlight = Math.ceil(1000 / tickMs);
  const sent: Sent = { count: 0, firstAt: Date.now(), lastAt: 0, byId: new Map(), byEvent: new Map() };
  const inFlight: Promise<unknown>[] = [];
  for (let tick = 0; tick < ticks; tick++) {
    const wait = sent.firstAt + tick * tickMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const at = Date.now();
    // Several of a pump's records can share a millisecond; incidents are matched by (entity, event time).
    const batch = feed.next(perTick, (_, previous) => Math.max(at, (previous ?? 0) + 1));
    for (const record of batch) {
      sent.byId.set(record.id as string, at);
      sent.byEvent.set(eventKey(record.entity, record.ts), at);
    }
    inFlight.push(producer.send({ topic, messages: jsonMessages(batch) }));
    if (inFlight.length >= maxInFlight) await inFlight.shift();
    sent.count += batch.length;
  }
  await Promise.all(inFlight);
  sent.lastAt = Date.now();
  return sent;
}

/** Latencies in ms, ascending. */
export interface Latencies {
  /** produce → alerts.scored (chain: the hop before the last). */
  toScored: number[];
  /** produce → incident event (chain: the last hop). */
  toIncident: number[];
  /** Pipeline: produce → the alert's `ingestedAt` and the scored alert's `scoredAt` (stamps the services write). */
  toIngestedAt?: number[];
  toScoredAt?: number[];
  /** Incident events that matched no sent alert (should be none). */
  unmatched: number;
}

const ascending = (values: number[]) => values.sort((a, b) => a - b);

/**
 * A chain's latencies to its last two hops (`beforeLast`, `last`): the hops copy the JSON
 * records, whose ids say when each was sent; the time out is the record's Kafka timestamp.
 */
export function chainLatencies(
  tapped: readonly TappedRecord[],
  beforeLast: string,
  last: string,
  sent: Sent,
): Latencies {
  const of = (topic: string) =>
    ascending(
      tapped
        .filter((r) => r.topic === topic)
        .map((r) => {
          const { id } = JSON.parse(r.value.toString('utf8')) as { id: string };
          return r.timestamp - (sent.byId.get(id) ?? Number.NaN);
        }),
    );
  return { toScored: of(beforeLast), toIncident: of(last), unmatched: 0 };
}

/**
 * A pipeline's latencies, decoded after the run: every scored alert by its id; every OPEN or
 * UPDATED incident event that is not a reminder by the alert that triggered it, the pump's
 * alert whose event time is the incident's `lastAnomalyAt`. CLOSED events and reminders are
 * triggered by whichever alert comes next, so they are not timed.
 */
export async function pipelineLatencies(
  codec: AvroCodec,
  tapped: readonly TappedRecord[],
  topics: { alertsScored: string; incidents: string },
  sent: Sent,
): Promise<Latencies> {
  const out = { toScored: [] as number[], toIncident: [] as number[], toIngestedAt: [] as number[] };
  const toScoredAt: number[] = [];
  let unmatched = 0;
  for (const record of tapped) {
    if (record.topic === topics.alertsScored) {
      const scored = await codec.decodeAs(record.value, 'vigil.ScoredAlert');
      const at = sent.byId.get(scored.alert.id) ?? Number.NaN;
      out.toScored.push(record.timestamp - at);
      out.toIngestedAt.push(scored.alert.ingestedAt - at);
      toScoredAt.push(scored.scoredAt - at);
    } else if (record.topic === topics.incidents) {
      const incident = await codec.decodeAs(record.value, 'vigil.Incident');
      if (incident.status === 'CLOSED' || incident.reminder) continue;
      const at = sent.byEvent.get(eventKey(incident.entity, incident.lastAnomalyAt));
      if (at === undefined) unmatched++;
      else out.toIncident.push(record.timestamp - at);
    }
  }
  return {
    toScored: ascending(out.toScored),
    toIncident: ascending(out.toIncident),
    toIngestedAt: ascending(out.toIngestedAt),
    toScoredAt: ascending(toScoredAt),
    unmatched,
  };
}
