/**
 * Topic contracts from the architecture brief. Every topic has exactly one
 * value schema (by Avro full name) and a key rule; DLQ names are derived,
 * never typed by hand. `topics.test.ts` fails when a topic has no schema file
 * or a schema file has no topic.
 */
export const TOPIC_CONTRACTS = {
  telemetryRaw: { env: 'TOPIC_TELEMETRY_RAW', defaultName: 'telemetry.raw', schema: 'vigil.Telemetry', key: 'entity' },
  alertsIngested: {
    env: 'TOPIC_ALERTS_INGESTED',
    defaultName: 'alerts.ingested',
    schema: 'vigil.Alert',
    key: 'entity',
  },
  alertsEnriched: {
    env: 'TOPIC_ALERTS_ENRICHED',
    defaultName: 'alerts.enriched',
    schema: 'vigil.Alert',
    key: 'entity',
  },
  alertsScored: {
    env: 'TOPIC_ALERTS_SCORED',
    defaultName: 'alerts.scored',
    schema: 'vigil.ScoredAlert',
    key: 'entity',
  },
  incidents: { env: 'TOPIC_INCIDENTS', defaultName: 'incidents', schema: 'vigil.Incident', key: 'entity' },
  incidentsShadow: {
    env: 'TOPIC_INCIDENTS_SHADOW',
    defaultName: 'incidents.shadow',
    schema: 'vigil.Incident',
    key: 'entity',
  },
  feedbackRequests: {
    env: 'TOPIC_FEEDBACK_REQUESTS',
    defaultName: 'feedback.requests',
    schema: 'vigil.FeedbackRequest',
    key: 'alertId',
  },
  feedbackLabels: {
    env: 'TOPIC_FEEDBACK_LABELS',
    defaultName: 'feedback.labels',
    schema: 'vigil.Label',
    key: 'alertId',
  },
} as const;

export type TopicKey = keyof typeof TOPIC_CONTRACTS;
export type SchemaName = (typeof TOPIC_CONTRACTS)[TopicKey]['schema'];
export type TopicNames = Readonly<Record<TopicKey, string>>;

export const TOPIC_KEYS = Object.keys(TOPIC_CONTRACTS) as TopicKey[];

/** The dead-letter topic of an input topic. */
export function dlqTopic(inputTopic: string): string {
  return `${inputTopic}.dlq`;
}

/** Subject name in the registry (Confluent TopicNameStrategy). */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

/** Topic names with the `TOPIC_*` environment overrides applied. */
export function topicNames(env: Record<string, string | undefined> = process.env): TopicNames {
  const names = {} as Record<TopicKey, string>;
  for (const key of TOPIC_KEYS) {
    const contract = TOPIC_CONTRACTS[key];
    const override = env[contract.env]?.trim();
    names[key] = override && override.length > 0 ? override : contract.defaultName;
  }
  return Object.freeze(names);
}

/** Dead-letter header names, from the brief. */
export const DLQ_HEADERS = {
  code: 'vigil.error.code',
  message: 'vigil.error.message',
  stage: 'vigil.error.stage',
  sourceTopic: 'vigil.source.topic',
  sourcePartition: 'vigil.source.partition',
  sourceOffset: 'vigil.source.offset',
  failedAt: 'vigil.failed.at',
} as const;
