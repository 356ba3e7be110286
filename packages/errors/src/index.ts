/**
 * The one catalogue of Vigil error codes. `docs/errors.md` documents every code;
 * `catalogue.test.ts` fails when the two drift apart.
 *
 * Codes are `VIGIL_<AREA>_<WHAT>`. `retriable` says whether the same operation
 * may succeed later without a change to the input (an unreachable server) or
 * never will (a malformed record, an invalid config).
 */
export const ERROR_CATALOGUE = {
  VIGIL_CONFIG_INVALID: { retriable: false },
  VIGIL_SHUTDOWN_TIMEOUT: { retriable: false },
  VIGIL_KAFKA_UNAVAILABLE: { retriable: true },
  VIGIL_REGISTRY_UNAVAILABLE: { retriable: true },
  VIGIL_REDIS_UNAVAILABLE: { retriable: true },
  VIGIL_AVRO_SCHEMA_INVALID: { retriable: false },
  VIGIL_AVRO_SCHEMA_INCOMPATIBLE: { retriable: false },
  VIGIL_AVRO_MALFORMED: { retriable: false },
  VIGIL_AVRO_BAD_MAGIC_BYTE: { retriable: false },
  VIGIL_AVRO_UNKNOWN_SCHEMA: { retriable: false },
  VIGIL_INGEST_OVERSIZED: { retriable: false },
  VIGIL_INGEST_MALFORMED_JSON: { retriable: false },
  VIGIL_INGEST_INVALID_FIELD: { retriable: false },
  VIGIL_INGEST_NON_FINITE: { retriable: false },
  VIGIL_INGEST_TS_TOO_OLD: { retriable: false },
  VIGIL_INGEST_TS_IN_FUTURE: { retriable: false },
  VIGIL_INGEST_DUPLICATE: { retriable: false },
  VIGIL_REPLAY_BAD_INPUT: { retriable: false },
  VIGIL_DATABASE_UNAVAILABLE: { retriable: true },
  VIGIL_DATABASE_MIGRATION_FAILED: { retriable: false },
  VIGIL_SINK_INVALID_RECORD: { retriable: false },
  VIGIL_SINK_REJECTED_ROW: { retriable: false },
  VIGIL_SINK_BAD_ARGUMENT: { retriable: false },
  VIGIL_INCIDENT_STATE_CORRUPT: { retriable: false },
  VIGIL_ENRICHMENT_SCRIPT_FAILED: { retriable: false },
  VIGIL_MLFLOW_UNAVAILABLE: { retriable: true },
  VIGIL_MLFLOW_NOT_FOUND: { retriable: false },
  VIGIL_MLFLOW_BAD_RESPONSE: { retriable: false },
  VIGIL_SCORING_MANIFEST_MISMATCH: { retriable: false },
  VIGIL_SCORING_ARTIFACT_MISSING: { retriable: false },
  VIGIL_SCORING_CACHE_FAILED: { retriable: false },
  VIGIL_SCORING_MODULE_LOAD_FAILED: { retriable: false },
  VIGIL_SCORING_LOAD_TIMEOUT: { retriable: false },
  VIGIL_SCORING_ISOLATE_CRASHED: { retriable: false },
  VIGIL_BUNDLE_FILE_MISSING: { retriable: false },
  VIGIL_BUNDLE_INVALID: { retriable: false },
  VIGIL_BUNDLE_FORMAT: { retriable: false },
  VIGIL_BUNDLE_HASH_MISMATCH: { retriable: false },
  VIGIL_BUNDLE_SELF_TEST: { retriable: false },
  VIGIL_BUNDLE_TEST_INFERENCE: { retriable: false },
  VIGIL_SCORING_INFERENCE_FAILED: { retriable: false },
  VIGIL_CONTROL_BAD_REQUEST: { retriable: false },
  VIGIL_CONTROL_INVALID_MARKUP: { retriable: false },
  VIGIL_CONTROL_UNAUTHENTICATED: { retriable: false },
  VIGIL_CONTROL_FORBIDDEN: { retriable: false },
  VIGIL_CONTROL_NOT_FOUND: { retriable: false },
  VIGIL_CONTROL_ALREADY_EXISTS: { retriable: false },
  VIGIL_CONTROL_VERSION_CONFLICT: { retriable: false },
  VIGIL_CONTROL_LAST_ADMIN: { retriable: false },
  VIGIL_CONTROL_BOOTSTRAP_CLOSED: { retriable: false },
  VIGIL_CONTROL_BODY_TOO_LARGE: { retriable: false },
  VIGIL_CONTROL_UNSUPPORTED_MEDIA_TYPE: { retriable: false },
  VIGIL_CONTROL_UNAVAILABLE: { retriable: true },
  VIGIL_CONTROL_INTERNAL: { retriable: false },
} as const satisfies Record<string, { retriable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export interface VigilErrorOptions {
  cause?: unknown;
  /** Extra fields that the logger prints beside the message. */
  [context: string]: unknown;
}

export class VigilError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: VigilErrorOptions = {}) {
    const { cause, ...context } = options;
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'VigilError';
    this.code = code;
    this.retriable = ERROR_CATALOGUE[code].retriable;
    this.context = Object.freeze(context);
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, retriable: this.retriable, ...this.context };
  }
}

export function isVigilError(value: unknown, code?: ErrorCode): value is VigilError {
  return value instanceof VigilError && (code === undefined || value.code === code);
}

/** True for errors that may go away by themselves: retry rather than dead-letter. */
export function isRetriable(error: unknown): boolean {
  return error instanceof VigilError ? error.retriable : false;
}
