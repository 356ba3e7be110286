import { z } from 'zod';
import { durationFromEnv, intFromEnv, logLevelEnv } from './fields.ts';

/** What differs between HTTP services. */
export interface HttpDefaults {
  /** `<PREFIX>_PORT`: the service's own port of deploy/local/ports.env. */
  port: number;
  /** `<PREFIX>_BODY_LIMIT` in bytes; 1 MiB unless the service takes larger documents. */
  bodyLimit?: number;
}

function httpFields(defaults: HttpDefaults) {
  return {
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: intFromEnv(0, 65_535).default(defaults.port),
    BODY_LIMIT: intFromEnv(1_024, 64 * 1024 * 1024).default(defaults.bodyLimit ?? 1024 * 1024),
    SHUTDOWN_GRACE: durationFromEnv.default(15_000),
  };
}

type HttpFields = ReturnType<typeof httpFields>;
type HttpField = keyof HttpFields;

/** The shape `httpEnv(P, …)` returns: LOG_LEVEL and the `P_*` HTTP settings. */
export type HttpShape<P extends string> = { LOG_LEVEL: typeof logLevelEnv } & {
  [K in HttpField as `${P}_${K}`]: HttpFields[K];
};

/** A parsed config that holds the HTTP settings of prefix `P`. */
export type HttpConfig<P extends string> = { readonly [K in keyof HttpShape<P>]: z.output<HttpShape<P>[K]> };

/**
 * The settings every HTTP service has under its prefix: `<P>_HOST`
 * (127.0.0.1), `<P>_PORT`, `<P>_BODY_LIMIT` (bytes; a larger body is a 413)
 * and `<P>_SHUTDOWN_GRACE` (15s), plus `LOG_LEVEL`. The API, `/healthz`,
 * `/readyz` and `/metrics` share the one port.
 */
export function httpEnv<P extends string>(prefix: P, defaults: HttpDefaults): HttpShape<P> {
  const prefixed = Object.fromEntries(
    Object.entries(httpFields(defaults)).map(([name, schema]) => [`${prefix}_${name}`, schema]),
  );
  // Object.fromEntries loses the key names that the template literal type keeps.
  return { LOG_LEVEL: logLevelEnv, ...prefixed } as HttpShape<P>;
}

/** The HTTP settings of a parsed config: durations in ms, sizes in bytes. */
export interface HttpSettings {
  logLevel: z.output<typeof logLevelEnv>;
  host: string;
  port: number;
  bodyLimit: number;
  graceMs: number;
}

export function httpSettings<P extends string>(config: HttpConfig<P>, prefix: P): HttpSettings {
  const field = <K extends HttpField>(name: K): z.output<HttpFields[K]> =>
    // The key is `${P}_${K}` of HttpConfig<P>; TypeScript cannot index a mapped type by a built template.
    (config as unknown as Readonly<Record<string, unknown>>)[`${prefix}_${name}`] as z.output<HttpFields[K]>;
  return {
    logLevel: config.LOG_LEVEL,
    host: field('HOST'),
    port: field('PORT'),
    bodyLimit: field('BODY_LIMIT'),
    graceMs: field('SHUTDOWN_GRACE'),
  };
}
