import { z } from 'zod';
import { connectionEnv, durationFromEnv, intFromEnv, logLevelEnv } from './fields.ts';

/** What differs between stages; every other stage setting has one default everywhere. */
export interface StageDefaults {
  /** `<PREFIX>_METRICS_PORT`: each service has its own (9401, 9402, …). */
  metricsPort: number;
  /** `<PREFIX>_MAX_BATCH_RECORDS`; 5,000 unless the stage's outputs are large. */
  maxBatchRecords?: number;
}

function stageFields(id: string, defaults: StageDefaults) {
  return {
    GROUP_ID: z.string().min(1).default(id),
    CLIENT_ID: z.string().min(1).default(id),
    MAX_BATCH_RECORDS: intFromEnv(1, 100_000).default(defaults.maxBatchRecords ?? 5_000),
    RETRY_INITIAL: durationFromEnv.default(200),
    RETRY_MAX: durationFromEnv.default(10_000),
    SESSION_TIMEOUT: durationFromEnv.default(30_000),
    METRICS_HOST: z.string().default('127.0.0.1'),
    METRICS_PORT: intFromEnv(0, 65_535).default(defaults.metricsPort),
    SHUTDOWN_GRACE: durationFromEnv.default(15_000),
  };
}

type StageFields = ReturnType<typeof stageFields>;
type StageField = keyof StageFields;

/** The shape `stageEnv(P, …)` returns: the connections every stage needs, LOG_LEVEL and the `P_*` stage settings. */
export type StageShape<P extends string> = {
  KAFKA_BROKERS: typeof connectionEnv.KAFKA_BROKERS;
  SCHEMA_REGISTRY_URL: typeof connectionEnv.SCHEMA_REGISTRY_URL;
  LOG_LEVEL: typeof logLevelEnv;
} & { [K in StageField as `${P}_${K}`]: StageFields[K] };

/** A parsed config that holds the stage settings of prefix `P`. */
export type StageConfig<P extends string> = { readonly [K in keyof StageShape<P>]: z.output<StageShape<P>[K]> };

/**
 * The settings every consume → process → publish stage has, under the
 * service's prefix: `<P>_GROUP_ID` and `<P>_CLIENT_ID` (default
 * `vigil-<service>`), `<P>_MAX_BATCH_RECORDS`, `<P>_RETRY_INITIAL`,
 * `<P>_RETRY_MAX`, `<P>_SESSION_TIMEOUT`, `<P>_METRICS_HOST`,
 * `<P>_METRICS_PORT`, `<P>_SHUTDOWN_GRACE`, plus `KAFKA_BROKERS`,
 * `SCHEMA_REGISTRY_URL` and `LOG_LEVEL`. A service's config.ts spreads it and
 * adds its own settings.
 */
export function stageEnv<P extends string>(prefix: P, defaults: StageDefaults): StageShape<P> {
  const fields = stageFields(`vigil-${prefix.toLowerCase().replaceAll('_', '-')}`, defaults);
  const prefixed = Object.fromEntries(Object.entries(fields).map(([name, schema]) => [`${prefix}_${name}`, schema]));
  // Object.fromEntries loses the key names that the template literal type keeps.
  return {
    KAFKA_BROKERS: connectionEnv.KAFKA_BROKERS,
    SCHEMA_REGISTRY_URL: connectionEnv.SCHEMA_REGISTRY_URL,
    LOG_LEVEL: logLevelEnv,
    ...prefixed,
  } as StageShape<P>;
}

/** The stage settings of a parsed config, as the run loop takes them: durations in ms. */
export interface StageSettings {
  brokers: string;
  registryUrl: string;
  logLevel: z.output<typeof logLevelEnv>;
  groupId: string;
  clientId: string;
  maxBatchRecords: number;
  retry: { initialMs: number; maxMs: number };
  sessionTimeoutMs: number;
  health: { host: string; port: number };
  graceMs: number;
}

export function stageSettings<P extends string>(config: StageConfig<P>, prefix: P): StageSettings {
  const field = <K extends StageField>(name: K): z.output<StageFields[K]> =>
    // The key is `${P}_${K}` of StageConfig<P>; TypeScript cannot index a mapped type by a built template.
    (config as unknown as Readonly<Record<string, unknown>>)[`${prefix}_${name}`] as z.output<StageFields[K]>;
  return {
    brokers: config.KAFKA_BROKERS,
    registryUrl: config.SCHEMA_REGISTRY_URL,
    logLevel: config.LOG_LEVEL,
    groupId: field('GROUP_ID'),
    clientId: field('CLIENT_ID'),
    maxBatchRecords: field('MAX_BATCH_RECORDS'),
    retry: { initialMs: field('RETRY_INITIAL'), maxMs: field('RETRY_MAX') },
    sessionTimeoutMs: field('SESSION_TIMEOUT'),
    health: { host: field('METRICS_HOST'), port: field('METRICS_PORT') },
    graceMs: field('SHUTDOWN_GRACE'),
  };
}
