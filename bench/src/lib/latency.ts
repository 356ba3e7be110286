import type { AvroCodec } from '@vigil/avro';
import { sleep } from '@vigil/timing';
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
    if (wait > 0) await sleep(wait);
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

/** Latencies in ms from produce to each stage's output record (its Kafka timestamp), ascending. */
export interface Latencies {
  /** alerts.ingested, alerts.enriched, alerts.scored (a chain: hops 1, 2 and 3). */
  toIngested: number[];
  toEnriched: number[];
  toScored: number[];
  /** incident events (a chain: hop 4, every record). */
  toIncident: number[];
  /** Incident events that matched no sent alert (should be none). */
  unmatched: number;
}

const ascending = (values: number[]) => values.sort((a, b) => a - b);

/**
 * A four-hop chain's latencies to each hop's output (`hops`, in order): the hops copy the
 * JSON records, whose ids say when each was sent.
 */
export function chainLatencies(
  tapped: readonly TappedRecord[],
  hops: readonly [string, string, string, string],
  sent: Sent,
  warmup?: Sent,
): Latencies {
  const by = new Map<string, number[]>(hops.map((topic) => [topic, []]));
  for (const record of tapped) {
    const { id } = JSON.parse(record.value.toString('utf8')) as { id: string };
    if (warmup?.byId.has(id)) continue;
    by.get(record.topic)?.push(record.timestamp - (sent.byId.get(id) ?? Number.NaN));
  }
  const [toIngested, toEnriched, toScored, toIncident] = hops.map((topic) => ascending(by.get(topic) ?? []));
  return {
    toIngested: toIngested ?? [],
    toEnriched: toEnriched ?? [],
    toScored: toScored ?? [],
    toIncident: toIncident ?? [],
    unmatched: 0,
  };
}

export interface PipelineTopics {
  alertsIngested: string;
  alertsEnriched: string;
  alertsScored: string;
  incidents: string;
}

/**
 * A pipeline's latencies, decoded after the run: every alert on alerts.ingested,
 * alerts.enriched and alerts.scored by its id; every OPEN or UPDATED incident event that is
 * not a reminder by the alert that triggered it, the pump's alert whose event time is the
 * incident's `lastAnomalyAt`. CLOSED events and reminders are triggered by whichever alert
 * comes next, so they are not timed. Whatever a `warmup` record caused is left out.
 */
export async function pipelineLatencies(
  codec: AvroCodec,
  tapped: readonly TappedRecord[],
  topics: PipelineTopics,
  sent: Sent,
  warmup?: Sent,
): Promise<Latencies> {
  const out: Latencies = { toIngested: [], toEnriched: [], toScored: [], toIncident: [], unmatched: 0 };
  const since = (id: string, record: TappedRecord) => record.timestamp - (sent.byId.get(id) ?? Number.NaN);
  for (const record of tapped) {
    if (record.topic === topics.alertsIngested || record.topic === topics.alertsEnriched) {
      const alert = await codec.decodeAs(record.value, 'vigil.Alert');
      if (warmup?.byId.has(alert.id)) continue;
      (record.topic === topics.alertsIngested ? out.toIngested : out.toEnriched).push(since(alert.id, record));
    } else if (record.topic === topics.alertsScored) {
      const scored = await codec.decodeAs(record.value, 'vigil.ScoredAlert');
      if (warmup?.byId.has(scored.alert.id)) continue;
      out.toScored.push(since(scored.alert.id, record));
    } else if (record.topic === topics.incidents) {
      const incident = await codec.decodeAs(record.value, 'vigil.Incident');
      if (incident.status === 'CLOSED' || incident.reminder) continue;
      const key = eventKey(incident.entity, incident.lastAnomalyAt);
      if (warmup?.byEvent.has(key)) continue;
      const at = sent.byEvent.get(key);
      if (at === undefined) out.unmatched++;
      else out.toIncident.push(record.timestamp - at);
    }
  }
  for (const list of [out.toIngested, out.toEnriched, out.toScored, out.toIncident]) ascending(list);
  return out;
}
