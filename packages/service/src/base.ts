import type { ConfigIssue, z } from '@vigil/config';
import { Lifecycle } from '@vigil/lifecycle';
import { createLogger, type Logger } from '@vigil/logging';
import { createMetricsRegistry } from '@vigil/metrics';
import type { Registry } from 'prom-client';

export type ConfigOf<S extends z.ZodRawShape> = Readonly<z.infer<z.ZodObject<S>>>;

/** What every service definition names, a stage's or an HTTP service's. */
export interface DefinitionBase<N extends string, S extends z.ZodRawShape> {
  /** One lower-case word: the `service` label and log field; in capitals, the prefix of its settings. */
  name: N;
  /** Every setting of the service: `stageEnv(NAME, …)` or `httpEnv(NAME, …)` spread, plus its own. */
  env: S;
  /** Checks across settings (see parseConfig); problems exit 2 like bad values. */
  check?: (config: ConfigOf<S>) => ConfigIssue[];
}

/** What every service creates first, in this order: the logger, the lifecycle with its grace time, the registry. */
export function serviceBase(
  name: string,
  settings: { logLevel: string; graceMs: number },
): { logger: Logger; lifecycle: Lifecycle; registry: Registry } {
  const logger = createLogger({ service: name, level: settings.logLevel });
  const lifecycle = new Lifecycle({ logger, graceMs: settings.graceMs });
  const registry = createMetricsRegistry({ service: name });
  return { logger, lifecycle, registry };
}
