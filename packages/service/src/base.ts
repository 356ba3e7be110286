import { type ConfigIssue, loadConfigOrExit, type z } from '@vigil/config';
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

export interface ServiceBase<C, T> {
  config: C;
  /** The settings under the service's prefix (stage or HTTP), as the shared loop takes them. */
  settings: T;
  logger: Logger;
  lifecycle: Lifecycle;
  registry: Registry;
}

/**
 * What every service does first, in this order: parse the environment (or print every
 * problem and exit 2), derive its prefixed settings, then create the logger, the
 * lifecycle with its grace time and the metrics registry.
 */
export function serviceBase<N extends string, S extends z.ZodRawShape, T extends { logLevel: string; graceMs: number }>(
  definition: DefinitionBase<N, S>,
  settingsOf: (config: ConfigOf<S>, prefix: Uppercase<N>) => T,
): ServiceBase<ConfigOf<S>, T> {
  const { name } = definition;
  const config = loadConfigOrExit(definition.env, process.env, { check: definition.check });
  const settings = settingsOf(config, name.toUpperCase() as Uppercase<N>);
  const logger = createLogger({ service: name, level: settings.logLevel });
  const lifecycle = new Lifecycle({ logger, graceMs: settings.graceMs });
  const registry = createMetricsRegistry({ service: name });
  return { config, settings, logger, lifecycle, registry };
}
