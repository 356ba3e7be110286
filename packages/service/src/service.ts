import { AvroCodec } from '@vigil/avro';
import { type StageConfig, type StageShape, stageSettings, type z } from '@vigil/config';
import { type SchemaName, type TopicNames, topicNames } from '@vigil/contracts';
import type { BatchHandler } from '@vigil/kafka';
import type { Lifecycle } from '@vigil/lifecycle';
import type { Logger } from '@vigil/logging';
import type { ReadinessReport } from '@vigil/metrics';
import type { Registry } from 'prom-client';
import { type ConfigOf, type DefinitionBase, serviceBase } from './base.ts';
import { type RunningStage, runStage } from './stage.ts';

/** What every service's own part starts from. */
export interface ServiceContext<C> {
  /** The parsed, frozen environment. */
  config: C;
  logger: Logger;
  /** Register close steps here as resources are created; they close in reverse order. */
  lifecycle: Lifecycle;
  /** The service's metrics registry, served on `<PREFIX>_METRICS_PORT`. */
  registry: Registry;
  topics: TopicNames;
  /**
   * An Avro codec on `SCHEMA_REGISTRY_URL` once the registry answers, with
   * `outputs` (topic → schema) registered; with none, the registry is pinged.
   */
  codecFor(outputs: Readonly<Record<string, SchemaName>>): Promise<AvroCodec>;
}

/** What a service hands to the shared loop. */
export interface StagePart {
  inputs: string[];
  handler: BatchHandler;
  /** Checks beyond the consumer's that /readyz must also pass (loaded models, a pool). */
  readiness?: () => ReadinessReport;
  /** Extra fields for the "<name> running" log line. */
  describe?: Record<string, unknown>;
}

export interface ServiceDefinition<N extends string, S extends z.ZodRawShape> extends DefinitionBase<N, S> {
  /** Builds the service's clients and handler. Runs after the logger, lifecycle and registry exist. */
  start(context: ServiceContext<ConfigOf<S>>): Promise<StagePart>;
}

/**
 * A consume → process → publish service's main(): parses the environment (or
 * prints every problem and exits 2), creates the logger, the lifecycle with the
 * shutdown grace and the metrics registry, runs the service's `start`, then
 * the shared loop with the stage settings. An error thrown by `start` rejects
 * the returned promise; `await`ed at the top of main.ts it reaches the
 * lifecycle's uncaught-error handler (log fatal, close, exit 1).
 */
export async function runService<N extends string, S extends z.ZodRawShape & StageShape<Uppercase<N>>>(
  definition: ServiceDefinition<N, S>,
): Promise<RunningStage> {
  const { name } = definition;
  const base = serviceBase(definition, (config, prefix) =>
    // S holds StageShape<Uppercase<N>>, so the parsed config holds its values; TypeScript cannot see that through z.infer of a generic shape.
    stageSettings(config as unknown as StageConfig<Uppercase<N>>, prefix),
  );
  const { config, settings: stage, logger, lifecycle, registry } = base;

  const codecFor = async (outputs: Readonly<Record<string, SchemaName>>): Promise<AvroCodec> => {
    const codec = new AvroCodec({ registryUrl: stage.registryUrl });
    const registrations = Object.entries(outputs);
    await lifecycle.retryUntilReady('schema registry', async () => {
      if (registrations.length === 0) await codec.ping();
      for (const [topic, schema] of registrations) await codec.registerTopic(topic, schema);
    });
    return codec;
  };
  const part = await definition.start({ config, logger, lifecycle, registry, topics: topicNames(), codecFor });

  return runStage({
    service: name,
    logger,
    lifecycle,
    registry,
    brokers: stage.brokers,
    clientId: stage.clientId,
    groupId: stage.groupId,
    retry: stage.retry,
    maxBatchRecords: stage.maxBatchRecords,
    sessionTimeoutMs: stage.sessionTimeoutMs,
    health: stage.health,
    ...part,
  });
}
