import { VigilError } from '@vigil/errors';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger };

export interface LoggerSettings {
  /** Service name, printed as `service` on every line. */
  service: string;
  level?: string;
  /** Where lines go; stdout by default. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

/** Serialises VigilError with its code, retriable flag and context fields. */
function serializeError(error: unknown): unknown {
  if (error instanceof VigilError) {
    return {
      ...error.toJSON(),
      stack: error.stack,
      cause: error.cause === undefined ? undefined : serializeError(error.cause),
    };
  }
  return pino.stdSerializers.err(error as Error);
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: settings.service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: serializeError, error: serializeError },
    formatters: { level: (label) => ({ level: label }) },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
