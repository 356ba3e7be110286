import type { Logger } from '@vigil/logging';
import Fastify, { type FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';

export interface MetricsRegistryOptions {
  /** Added as the `service` label on every series. */
  service: string;
  /** Process metrics (CPU, memory, event loop lag), prefixed `vigil_`. Default true. */
  defaultMetrics?: boolean;
}

/** A new registry for one service; Vigil never touches prom-client's global registry. */
export function createMetricsRegistry(options: MetricsRegistryOptions): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'vigil_' });
  return registry;
}

export interface ReadinessReport {
  ready: boolean;
  /** Per-check detail shown by /readyz, e.g. `{ kafka: 'ok', redis: 'VIGIL_REDIS_UNAVAILABLE' }`. */
  checks?: Record<string, string>;
}

export interface HealthServerOptions {
  registry: Registry;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  logger: Logger;
  readiness: () => ReadinessReport | Promise<ReadinessReport>;
}

export interface HealthServer {
  /** Base URL, e.g. http://127.0.0.1:9401 */
  url: string;
  close(): Promise<void>;
}

/** A readiness check that throws is a failing check, not a 500. */
async function readinessOf(readiness: HealthServerOptions['readiness']): Promise<ReadinessReport> {
  try {
    return await readiness();
  } catch (error) {
    return { ready: false, checks: { readiness: error instanceof Error ? error.message : String(error) } };
  }
}

/** What `/metrics` and `/readyz` read; `HealthServerOptions` less the listening address. */
export type HealthRoutesOptions = Pick<HealthServerOptions, 'registry' | 'readiness'>;

/**
 * Adds `/metrics` (Prometheus text), `/healthz` (liveness: 200 while the
 * process runs) and `/readyz` (200 when ready, 503 with the failing checks) to
 * a fastify app: the health server's routes, or an HTTP service's beside its API.
 */
export function registerHealthRoutes(app: FastifyInstance, options: HealthRoutesOptions): void {
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', options.registry.contentType);
    return options.registry.metrics();
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const report = await readinessOf(options.readiness);
    reply.code(report.ready ? 200 : 503);
    return { status: report.ready ? 'ready' : 'not ready', checks: report.checks ?? {} };
  });
}

/** A fastify app on its own port serving only the routes of `registerHealthRoutes`. */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const app = Fastify({ logger: false });
  registerHealthRoutes(app, options);
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host}:${port}`;
  options.logger.debug({ url }, 'health server listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    close: () => {
      closing ??= app.close();
      return closing;
    },
  };
}
