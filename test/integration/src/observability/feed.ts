import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { AvroCodec } from '@vigil/avro';
import { type Score, type ScoredAlert, topicNames, type Verdict } from '@vigil/contracts';
import { REPO_ROOT, stackEnv, testKafka } from '@vigil/test-kit';
import type { Producer } from 'kafkajs';

const run = promisify(execFile);
const MINUTE = 60_000;

/**
 * Records that make every live service's series exist and move, on the
 * default topics the services.sh services read (another engineer's running
 * ingest reads them too, which is the point: whoever runs it, Prometheus
 * scrapes it). Every id and entity starts with the run name, so nothing
 * collides with earlier runs or with the demo.
 */
export interface FeedResult {
  /** Valid telemetry records the replay tool sent. */
  telemetry: number;
  /** Telemetry entities (new to enrichment: it creates their state), the pumps included. */
  entities: number;
  /** Pump records with the reference modules' signals (SKAB's), sent beside the generated ones. */
  pumps: number;
  /** Records ingest must dead-letter, by error code. */
  junk: Record<string, number>;
  /** Valid records sent beside the generated ones (the late pair). */
  extraValid: number;
  /** Scored alerts produced to alerts.scored (each with 2 scores), the replayed ones included. */
  scored: number;
  /** Of those, sent a second time (incident ignores them, the sink skips their rows). */
  replayed: number;
  /** Records in alerts.scored that are not Avro: incident and the sink dead-letter them. */
  scoredJunk: number;
  /** Records in alerts.enriched that are not Avro: scoring dead-letters them. */
  enrichedJunk: number;
}

/** Every valid telemetry record of a feed: through ingest and enrichment, then scored. */
export function validTelemetry(fed: FeedResult): number {
  return fed.telemetry + fed.pumps + fed.extraValid;
}

/** Generated telemetry through the replay tool, as an operator would stream it (docs/replay.md). */
export async function streamTelemetry(runName: string, records: number, entities = 4): Promise<number> {
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      resolve(REPO_ROOT, 'tools/replay/src/main.ts'),
      'generate',
      '--entities',
      String(entities),
      '--duration',
      '30m',
      '--interval',
      '1s',
      '--limit',
      String(records),
      '--id-prefix',
      `${runName}/`,
      '--entity-prefix',
      `${runName}/`,
      '--topic',
      topicNames().telemetryRaw,
      '--quiet',
    ],
    { cwd: REPO_ROOT, timeout: 120_000 },
  );
  const match = /^sent (\d+) records/m.exec(stdout);
  if (!match) throw new Error(`the replay tool did not report what it sent:\n${stdout}`);
  return Number(match[1]);
}

/** Telemetry ingest must refuse, by the code it must refuse it with; and a valid pair that arrives out of order. */
function junkAndLate(
  runName: string,
  now: number,
): { messages: { key: string; value: string }[]; junk: Record<string, number>; extraValid: number } {
  const entity = `${runName}/junk`;
  const late = `${runName}/late`;
  const messages = [
    { key: entity, value: 'not json {' },
    { key: entity, value: '{"source":' },
    { key: entity, value: JSON.stringify({ source: 'obs', entity, ts: now, values: { a: 'high' } }) },
    { key: entity, value: JSON.stringify({ source: 'obs', entity, ts: now - 90 * 86_400_000, values: { a: 1 } }) },
    // Enrichment sees the second one 30 s older than its entity's last record (tolerated lateness).
    { key: late, value: JSON.stringify({ id: `${late}#1`, source: 'obs', entity: late, ts: now, values: { a: 1 } }) },
    {
      key: late,
      value: JSON.stringify({ id: `${late}#2`, source: 'obs', entity: late, ts: now - 30_000, values: { a: 2 } }),
    },
  ];
  return {
    messages,
    junk: { VIGIL_INGEST_MALFORMED_JSON: 2, VIGIL_INGEST_INVALID_FIELD: 1, VIGIL_INGEST_TS_TOO_OLD: 1 },
    extraValid: 2,
  };
}

const PUMPS = ['pump-1', 'pump-2'] as const;

/**
 * Pumps running steadily at the training medians of the reference modules'
 * signals (trainingMedians), one record a second up to now: records every
 * module reads all its inputs from and scores as normal, so they open no
 * incident of their own beside the scripted ones.
 */
function pumpRecords(
  runName: string,
  now: number,
  medians: Readonly<Record<string, number>>,
  perPump = 30,
): { key: string; value: string }[] {
  return PUMPS.flatMap((pump) => {
    const entity = `${runName}/${pump}`;
    return Array.from({ length: perPump }, (_, i) => ({
      key: entity,
      value: JSON.stringify({
        id: `${entity}#${i}`,
        source: 'obs',
        entity,
        ts: now - (perPump - 1 - i) * 1_000,
        values: medians,
      }),
    }));
  });
}

const MODEL = 'obs-check';
const ALIASES = ['published', 'challenger'] as const;

function score(alias: string, verdict: Verdict): Score {
  const calibrated = verdict === 'ANOMALY' ? 0.995 : 0.2;
  return {
    module: MODEL,
    model: MODEL,
    version: '1',
    alias,
    raw: calibrated,
    calibrated,
    verdict,
    missingReason: null,
    thresholds: { unsureAbove: 0.95, anomalyAbove: 0.99 },
    elements: [],
    contributors: [{ signal: 'a', weight: 1 }],
    latencyMs: 1,
  };
}

function scoredAlert(runName: string, entity: string, minute: number, t0: number, verdict: Verdict): ScoredAlert {
  const ts = t0 + minute * MINUTE;
  return {
    alert: {
      id: `${runName}/${entity}#${minute}`,
      source: 'obs',
      entity: `${runName}/${entity}`,
      ts,
      ingestedAt: ts,
      values: { a: verdict === 'ANOMALY' ? 9 : 1 },
      attrs: {},
      features: {},
      origin: { topic: 'telemetry.raw', partition: 0, offset: String(minute), format: 'JSON' },
    },
    scores: ALIASES.map((alias) => score(alias, verdict)),
    scoredAt: ts,
  };
}

/**
 * Scored alerts, one a minute per entity over the last hour, for a model
 * under two aliases (published → `incidents`, challenger → `incidents.shadow`),
 * shaped for the incident service's default rules (3 of 5 within 10 min open,
 * 10 quiet minutes close, 30 min suppression): entity `a` opens, closes, and
 * has a second burst inside the suppression period; entity `b` opens near the
 * end and stays open until `closingAlerts`.
 */
export function scoredTimeline(runName: string, now: number): ScoredAlert[] {
  const t0 = now - 60 * MINUTE;
  const alerts: ScoredAlert[] = [];
  for (let minute = 0; minute <= 40; minute++) {
    const a = minute <= 4 || (minute >= 21 && minute <= 25) ? 'ANOMALY' : 'NORMAL';
    const b = minute >= 30 ? 'ANOMALY' : 'NORMAL';
    alerts.push(scoredAlert(runName, 'a', minute, t0, a), scoredAlert(runName, 'b', minute, t0, b));
  }
  return alerts;
}

/** A quiet alert for entity `b` past its quiet period: its incidents close. */
export function closingAlerts(runName: string, now: number): ScoredAlert[] {
  return [scoredAlert(runName, 'b', 55, now - 60 * MINUTE, 'NORMAL')];
}

/** A producer and a codec on the local stack, for the default topics. */
export class Feeder {
  private constructor(
    private readonly producer: Producer,
    private readonly codec: AvroCodec,
    private readonly medians: Readonly<Record<string, number>>,
    private readonly close: () => Promise<void>,
  ) {}

  /** `medians`: the pumps' signal values (trainingMedians). */
  static async connect(medians: Readonly<Record<string, number>>): Promise<Feeder> {
    const producer = testKafka('vigil-observability-test').producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const codec = await AvroCodec.connect({ registryUrl: stackEnv.registryUrl });
    await codec.registerTopic(topicNames().alertsScored, 'vigil.ScoredAlert');
    return new Feeder(producer, codec, medians, () => producer.disconnect());
  }

  async scored(alerts: readonly ScoredAlert[]): Promise<void> {
    const topic = topicNames().alertsScored;
    const messages = alerts.map((scored) => ({
      key: scored.alert.entity,
      value: this.codec.encode<'vigil.ScoredAlert'>(topic, scored),
    }));
    await this.producer.send({ topic, acks: -1, messages });
  }

  /**
   * Everything at once: generated telemetry, pumps and junk into
   * telemetry.raw, a record that is not Avro into alerts.enriched, then the
   * scored timeline into alerts.scored, its first alerts a second time.
   */
  async feed(runName: string, telemetryRecords = 300): Promise<FeedResult> {
    const now = Date.now();
    const entities = 4;
    const telemetry = await streamTelemetry(runName, telemetryRecords, entities);
    const { messages, junk, extraValid } = junkAndLate(runName, now);
    const pumps = pumpRecords(runName, now, this.medians);
    await this.producer.send({ topic: topicNames().telemetryRaw, acks: -1, messages: [...pumps, ...messages] });
    const enrichedJunk = [{ key: `${runName}/junk`, value: 'not avro' }];
    await this.producer.send({ topic: topicNames().alertsEnriched, acks: -1, messages: enrichedJunk });
    const timeline = scoredTimeline(runName, now);
    const replayed = timeline.slice(0, 6);
    await this.scored(timeline);
    await this.scored(replayed);
    const scoredJunk = [{ key: `${runName}/junk`, value: 'not avro' }];
    await this.producer.send({ topic: topicNames().alertsScored, acks: -1, messages: scoredJunk });
    return {
      telemetry,
      entities: entities + PUMPS.length,
      pumps: pumps.length,
      junk,
      extraValid,
      scored: timeline.length + replayed.length,
      replayed: replayed.length,
      scoredJunk: scoredJunk.length,
      enrichedJunk: enrichedJunk.length,
    };
  }

  async disconnect(): Promise<void> {
    await this.close();
  }
}
