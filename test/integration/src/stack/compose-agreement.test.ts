/**
 * docker-compose.yml and the local stack (deploy/local) describe the same
 * stack: the same published ports, versions and environment names. Pure: it
 * reads files and starts nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connectionEnv } from '@vigil/config';
import { parse } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const read = (path: string): string => readFileSync(resolve(ROOT, path), 'utf8');

/** `KEY=value` lines of deploy/local/ports.env. */
function readPorts(): Record<string, number> {
  const ports: Record<string, number> = {};
  for (const line of read('deploy/local/ports.env').split('\n')) {
    const text = line.trim();
    if (text === '' || text.startsWith('#')) continue;
    const match = /^([A-Z][A-Z0-9_]*)=(\d+)$/.exec(text);
    assert.ok(match, `ports.env: "${text}" is not KEY=number`);
    ports[match[1] as string] = Number(match[2]);
  }
  return ports;
}

interface ComposeService {
  image: string;
  ports?: string[];
  network_mode?: string;
  command?: string[] | string;
  environment?: Record<string, string | number>;
  volumes?: string[];
}

interface Compose {
  services: Record<string, ComposeService>;
  'x-vigil-environment': Record<string, string>;
}

const compose = parse(read('docker-compose.yml')) as Compose;
const ports = readPorts();

function port(name: string): number {
  const value = ports[name];
  assert.ok(value !== undefined, `ports.env has no ${name}`);
  return value;
}

function service(name: string): ComposeService {
  const s = compose.services[name];
  assert.ok(s, `docker-compose.yml has no service ${name}`);
  return s;
}

/** The host port a service publishes on 127.0.0.1, or listens on with the host's network. */
function hostPort(name: string): number {
  const s = service(name);
  if (s.network_mode === 'host') {
    const args = Array.isArray(s.command) ? s.command : [];
    const listen = args.find((a) => a.startsWith('--web.listen-address='));
    if (listen) return Number(listen.split(':').at(-1));
    const envPort = s.environment?.GF_SERVER_HTTP_PORT;
    assert.ok(envPort !== undefined, `${name}: host network but no listening port found`);
    return Number(envPort);
  }
  const published = (s.ports ?? []).map((p) => /^127\.0\.0\.1:(\d+):\d+$/.exec(p));
  assert.equal(published.length, 1, `${name} publishes exactly one port`);
  assert.ok(published[0], `${name} publishes on 127.0.0.1 only (host:container)`);
  return Number(published[0][1]);
}

function imageTag(name: string): string {
  const tag = service(name).image.split(':').at(-1);
  assert.ok(tag, `${name} image has a tag`);
  return tag;
}

function pomProperty(path: string, property: string): string {
  const match = new RegExp(`<${property.replaceAll('.', '\\.')}>([^<]+)</`).exec(read(path));
  assert.ok(match, `${path} sets ${property}`);
  return match[1] as string;
}

describe('docker-compose.yml agrees with the local stack', () => {
  test('every component publishes the port of ports.env', () => {
    assert.equal(hostPort('kafka'), port('KAFKA_PORT'));
    assert.equal(hostPort('registry'), port('SCHEMA_REGISTRY_PORT'));
    assert.equal(hostPort('redis'), port('REDIS_PORT'));
    assert.equal(hostPort('postgres'), port('POSTGRES_PORT'));
    assert.equal(hostPort('mlflow'), port('MLFLOW_PORT'));
    assert.equal(hostPort('prometheus'), port('PROMETHEUS_PORT'));
    assert.equal(hostPort('grafana'), port('GRAFANA_PORT'));
  });

  test('Kafka advertises the loopback port and runs KRaft with the controller port', () => {
    const env = service('kafka').environment ?? {};
    assert.equal(env.KAFKA_ADVERTISED_LISTENERS, `PLAINTEXT://127.0.0.1:${port('KAFKA_PORT')}`);
    assert.equal(env.KAFKA_PROCESS_ROLES, 'broker,controller');
    assert.match(String(env.KAFKA_LISTENERS), new RegExp(`CONTROLLER://[^,]+:${port('KAFKA_CONTROLLER_PORT')}`));
    assert.equal(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, 1);
    assert.equal(env.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR, 1);
    assert.equal(env.KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS, 0);
  });

  test('the images have the versions the local stack downloads', () => {
    assert.equal(imageTag('kafka'), pomProperty('deploy/local/kafka/pom.xml', 'kafka.version'));
    assert.equal(imageTag('registry'), pomProperty('deploy/local/registry/pom.xml', 'apicurio.version'));
    const mlflowPin = /^mlflow==(\S+)$/m.exec(read('deploy/local/requirements-mlflow.txt'));
    assert.ok(mlflowPin, 'requirements-mlflow.txt pins mlflow');
    assert.equal(imageTag('mlflow'), `v${mlflowPin[1]}`);
    assert.equal(imageTag('postgres'), '15');
  });

  test('the registry enforces BACKWARD compatibility and keeps its schemas in a file in both', () => {
    const env = service('registry').environment ?? {};
    const script = read('deploy/local/lib/registry.sh');
    assert.equal(env.APICURIO_RULES_GLOBAL_COMPATIBILITY, 'BACKWARD');
    assert.match(script, /APICURIO_RULES_GLOBAL_COMPATIBILITY=BACKWARD/);
    assert.match(String(env.APICURIO_DATASOURCE_URL), /^jdbc:h2:file:/);
    assert.match(script, /APICURIO_DATASOURCE_URL="jdbc:h2:file:/);
  });

  test('PostgreSQL has the database, user and password vigil', () => {
    const env = service('postgres').environment ?? {};
    assert.deepEqual([env.POSTGRES_DB, env.POSTGRES_USER, env.POSTGRES_PASSWORD], ['vigil', 'vigil', 'vigil']);
    assert.match(read('deploy/local/lib/postgres.sh'), /CREATE ROLE vigil LOGIN PASSWORD 'vigil'/);
  });

  test('Prometheus in Docker uses the same prometheus.yml', () => {
    assert.ok(service('prometheus').volumes?.includes('./deploy/prometheus:/etc/prometheus:ro'));
  });

  test('the environment names and values are the defaults of @vigil/config', () => {
    const env = compose['x-vigil-environment'];
    const names = Object.keys(connectionEnv).sort();
    assert.deepEqual(Object.keys(env).sort(), names);
    for (const name of names) {
      const defaultValue = connectionEnv[name as keyof typeof connectionEnv].parse(undefined);
      assert.equal(env[name], defaultValue, `${name} in docker-compose.yml`);
    }
  });

  test('the @vigil/config defaults point at the ports of ports.env', () => {
    const url = (name: keyof typeof connectionEnv): string => connectionEnv[name].parse(undefined);
    assert.equal(url('KAFKA_BROKERS'), `127.0.0.1:${port('KAFKA_PORT')}`);
    assert.equal(new URL(url('SCHEMA_REGISTRY_URL')).port, String(port('SCHEMA_REGISTRY_PORT')));
    assert.equal(new URL(url('REDIS_URL')).port, String(port('REDIS_PORT')));
    assert.equal(new URL(url('DATABASE_URL')).port, String(port('POSTGRES_PORT')));
    assert.equal(new URL(url('MLFLOW_TRACKING_URI')).port, String(port('MLFLOW_PORT')));
  });
});

describe('prometheus.yml scrapes the ports of ports.env', () => {
  interface ScrapeConfig {
    job_name: string;
    static_configs: { targets: string[]; labels?: Record<string, string> }[];
  }
  const config = parse(read('deploy/prometheus/prometheus.yml')) as {
    scrape_configs: ScrapeConfig[];
    rule_files: string[];
  };
  const SERVICES = ['ingest', 'enrichment', 'scoring', 'incident', 'feedback', 'sink'] as const;

  test('one job per Vigil service, on its metrics port, with a service label', () => {
    for (const name of SERVICES) {
      const job = config.scrape_configs.find((j) => j.job_name === `vigil-${name}`);
      assert.ok(job, `a job vigil-${name}`);
      const target = job.static_configs[0];
      assert.deepEqual(target?.targets, [`127.0.0.1:${port(`${name.toUpperCase()}_METRICS_PORT`)}`]);
      assert.equal(target?.labels?.service, name);
    }
  });

  test('the control service is scraped on its API port', () => {
    const job = config.scrape_configs.find((j) => j.job_name === 'vigil-control');
    assert.deepEqual(job?.static_configs[0]?.targets, [`127.0.0.1:${port('CONTROL_PORT')}`]);
    assert.equal(job?.static_configs[0]?.labels?.service, 'control');
  });

  test('Prometheus scrapes itself on its own port and loads alerts.yml', () => {
    const self = config.scrape_configs.find((j) => j.job_name === 'prometheus');
    assert.deepEqual(self?.static_configs[0]?.targets, [`127.0.0.1:${port('PROMETHEUS_PORT')}`]);
    assert.deepEqual(config.rule_files, ['alerts.yml']);
  });

  test('the metrics ports are distinct from each other and from the stack', () => {
    const values = Object.values(ports);
    assert.equal(new Set(values).size, values.length, 'no two entries of ports.env share a port');
  });
});
