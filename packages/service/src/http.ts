import { type HttpConfig, type HttpShape, httpSettings, type z } from '@vigil/config';
import type { Lifecycle } from '@vigil/lifecycle';
import type { Logger } from '@vigil/logging';
import { type ReadinessReport, registerHealthRoutes } from '@vigil/metrics';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { type ConfigOf, type DefinitionBase, serviceBase } from './base.ts';

/** What an HTTP service's own part starts from. */
export interface HttpServiceContext<C> {
  /** The parsed, frozen environment. */
  config: C;
  logger: Logger;
  /** Register close steps here as resources are created; they close in reverse order, after the HTTP server. */
  lifecycle: Lifecycle;
  /** Served on `/metrics` of the service's port. */
  registry: Registry;
  /**
   * The service's fastify app, created with `<PREFIX>_BODY_LIMIT` and the
   * logger; add routes and plugins to it. It listens once `start` returns.
   */
  app: FastifyInstance;
}

/** What an HTTP service hands back. */
export interface HttpPart {
  /** What /readyz checks (a pool, a dependency). */
  readiness: () => ReadinessReport | Promise<ReadinessReport>;
  /** Extra fields for the "<name> running" log line. */
  describe?: Record<string, unknown>;
}

export interface HttpServiceDefinition<N extends string, S extends z.ZodRawShape> extends DefinitionBase<N, S> {
  /** Builds the service's clients and routes. Runs after the logger, lifecycle, registry and app exist. */
  start(context: HttpServiceContext<ConfigOf<S>>): Promise<HttpPart>;
}

export interface RunningHttpService {
  app: FastifyInstance;
  /** Base URL, e.g. http://127.0.0.1:9410 */
  url: string;
}

/**
 * An HTTP service's main(): parses the environment (or prints every problem
 * and exits 2), creates the logger, lifecycle and metrics registry, a fastify
 * app with the body limit, runs the service's `start`, adds `/healthz`,
 * `/readyz` and `/metrics` beside its routes and listens on `<PREFIX>_HOST`:
 * `<PREFIX>_PORT`. Shutdown closes the server first (no new requests, the ones
 * in flight finish), then what `start` registered, in reverse order.
 */
export async function runHttpService<N extends string, S extends z.ZodRawShape & HttpShape<Uppercase<N>>>(
  definition: HttpServiceDefinition<N, S>,
): Promise<RunningHttpService> {
  const { name } = definition;
  const base = serviceBase(definition, (config, prefix) =>
    // S holds HttpShape<Uppercase<N>>, so the parsed config holds its values; TypeScript cannot see that through z.infer of a generic shape.
    httpSettings(config as unknown as HttpConfig<Uppercase<N>>, prefix),
  );
  const { config, settings: http, logger, lifecycle, registry } = base;
  // Requests are not logged one by one: the service logs what fails, Prometheus counts the rest.
  // Typed as fastify's base logger, which pino's Logger satisfies, so routes and plugins take the plain FastifyInstance.
  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    disableRequestLogging: true,
    bodyLimit: http.bodyLimit,
  });
  const part = await definition.start({ config, logger, lifecycle, registry, app });
  registerHealthRoutes(app, { registry, readiness: part.readiness });
  lifecycle.onClose('http server', () => app.close());
  await app.listen({ host: http.host, port: http.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : http.port;
  const url = `http://${http.host}:${port}`;
  logger.info({ url, ...part.describe }, `${name} running`);
  return { app, url };
}
