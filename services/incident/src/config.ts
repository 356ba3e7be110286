import { connectionEnv, durationFromEnv, intFromEnv, listFromEnv, z } from '@vigil/config';

/** Every incident setting; the README's options table lists the same names. */
export const incidentEnv = {
  KAFKA_BROKERS: connectionEnv.KAFKA_BROKERS,
  SCHEMA_REGISTRY_URL: connectionEnv.SCHEMA_REGISTRY_URL,
  REDIS_URL: connectionEnv.REDIS_URL,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  INCIDENT_GROUP_ID: z.string().min(1).default('vigil-incident'),
  INCIDENT_CLIENT_ID: z.string().min(1).default('vigil-incident'),
  INCIDENT_CONFIG: z.string().optional(),
  INCIDENT_ACTIONABLE_ALIASES: listFromEnv
    .pipe(z.array(z.string()).min(1, 'name at least one alias'))
    .default(['published']),
  INCIDENT_REDIS_PREFIX: z.string().default('vigil:incident:'),
  INCIDENT_STATE_TTL: durationFromEnv.default(30 * 86_400_000),
  INCIDENT_MAX_BATCH_RECORDS: intFromEnv(1, 100_000).default(5_000),
  INCIDENT_RETRY_INITIAL: durationFromEnv.default(200),
  INCIDENT_RETRY_MAX: durationFromEnv.default(10_000),
  INCIDENT_SESSION_TIMEOUT: durationFromEnv.default(30_000),
  INCIDENT_METRICS_HOST: z.string().default('127.0.0.1'),
  INCIDENT_METRICS_PORT: intFromEnv(0, 65_535).default(9404),
  INCIDENT_SHUTDOWN_GRACE: durationFromEnv.default(15_000),
} as const;

export type IncidentConfig = Readonly<z.infer<z.ZodObject<typeof incidentEnv>>>;
