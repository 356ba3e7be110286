import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '@vigil/logging';
import { Counter, register as globalRegistry } from 'prom-client';
import { createMetricsRegistry, startHealthServer } from './index.ts';

const logger = createLogger({ service: 'test', level: 'silent' });

describe('metrics registry and health server', () => {
  it('serves metrics with the service label, liveness and readiness', async () => {
    const registry = createMetricsRegistry({ service: 'ingest' });
    const counter = new Counter({ name: 'vigil_test_things_total', help: 'things', registers: [registry] });
    counter.inc(3);
    let ready = false;
    const server = await startHealthServer({
      registry,
      host: '127.0.0.1',
      port: 0,
      logger,
      readiness: () => ({ ready, checks: { redis: ready ? 'ok' : 'VIGIL_REDIS_UNAVAILABLE' } }),
    });
    try {
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /vigil_test_things_total\{service="ingest"\} 3/);
      assert.match(metrics, /vigil_process_cpu_seconds_total/);
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      const notReady = await fetch(`${server.url}/readyz`);
      assert.equal(notReady.status, 503);
      assert.deepEqual(await notReady.json(), { status: 'not ready', checks: { redis: 'VIGIL_REDIS_UNAVAILABLE' } });
      ready = true;
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    } finally {
      await server.close();
      await server.close();
    }
    assert.equal(await globalRegistry.getSingleMetric('vigil_test_things_total'), undefined);
  });

  it('answers 503 when the readiness check itself throws, and leaves process metrics out when asked', async () => {
    const registry = createMetricsRegistry({ service: 'sink', defaultMetrics: false });
    const server = await startHealthServer({
      registry,
      host: '127.0.0.1',
      port: 0,
      logger,
      readiness: async () => {
        throw new Error('pool closed');
      },
    });
    try {
      const response = await fetch(`${server.url}/readyz`);
      assert.equal(response.status, 503);
      assert.deepEqual(await response.json(), { status: 'not ready', checks: { readiness: 'pool closed' } });
      const metrics = await fetch(`${server.url}/metrics`);
      assert.equal(metrics.headers.get('content-type'), registry.contentType);
      assert.doesNotMatch(await metrics.text(), /vigil_process_cpu_seconds_total/);
    } finally {
      await server.close();
    }
  });

  it('keeps registries apart: two services in one process do not share series', async () => {
    const a = createMetricsRegistry({ service: 'a', defaultMetrics: false });
    const b = createMetricsRegistry({ service: 'b', defaultMetrics: false });
    new Counter({ name: 'vigil_only_in_a_total', help: 'a', registers: [a] }).inc();
    assert.match(await a.metrics(), /vigil_only_in_a_total\{service="a"\} 1/);
    assert.doesNotMatch(await b.metrics(), /vigil_only_in_a_total/);
  });
});
