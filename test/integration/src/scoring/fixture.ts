import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import { AvroCodec } from '@vigil/avro';
import { type Alert, dlqTopic, type Score, type ScoredAlert, valueSubject } from '@vigil/contracts';
import {
  mlflowCall,
  mlflowEnv,
  PYTHON,
  REPO_ROOT,
  type ReadMessage,
  readTopics,
  type ServiceProcess,
  stackEnv,
  startService,
  testKafka,
  uniqueName,
  waitFor,
} from '@vigil/test-kit';
import type { Admin, Kafka, Producer } from 'kafkajs';

// The science kit and SKAB helpers moved to the test kit (benchmarks use them too).
export {
  deleteModel,
  PYTHON,
  readSkab,
  type SkabData,
  type SkabRow,
  skabData,
  trainAndRegister,
} from '@vigil/test-kit';

const run = promisify(execFile);
/** The two-signal rules module of the service's unit tests: a > 5 → ANOMALY; trainingless and cheap. */
export const TEST_RULES = {
  config: join(REPO_ROOT, 'services/scoring/src/testdata/test-rules.json'),
  data: join(REPO_ROOT, 'services/scoring/src/testdata/data.csv'),
};

export interface SuiteClients {
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  codec: AvroCodec;
  /** Run after the suite, last registered first. */
  cleanups: (() => unknown)[];
}

/** Kafka admin, an idempotent producer and an Avro codec for a test file, connected before and closed after it. */
export function suiteClients(clientId: string): SuiteClients {
  const clients = { kafka: testKafka(clientId), cleanups: [] } as unknown as SuiteClients;
  before(async () => {
    clients.admin = clients.kafka.admin();
    await clients.admin.connect();
    clients.producer = clients.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await clients.producer.connect();
    clients.codec = new AvroCodec({ registryUrl: stackEnv.registryUrl });
  });
  after(async () => {
    for (const cleanup of clients.cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
    await clients.producer.disconnect();
    await clients.admin.disconnect();
  });
  return clients;
}

/** A scratch folder removed by `cleanup`. */
export function workDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `vigil-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// Logs a bundle folder as a run's `bundle/` artifacts and registers a version the way the kit does,
// except that the bundle is taken as it is on disk (a test may have tampered with it) and the
// manifest tag may be forced. Prints the version.
const REGISTER_AS_IS = `
import hashlib, os, sys
import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
bundle, name, alias, tag = sys.argv[1:5]
uri = os.environ["MLFLOW_TRACKING_URI"]
mlflow.set_tracking_uri(uri)
sha = tag or hashlib.sha256(open(os.path.join(bundle, "manifest.json"), "rb").read()).hexdigest()
mlflow.set_experiment(f"vigil-{name}")
with mlflow.start_run() as run:
    mlflow.log_artifacts(bundle, artifact_path="bundle")
client = MlflowClient(tracking_uri=uri, registry_uri=uri)
try:
    client.create_registered_model(name)
except MlflowException as e:
    if e.error_code != "RESOURCE_ALREADY_EXISTS":
        raise
tags = {"vigil.format": "vigil.module/v1", "vigil.manifest_sha256": sha}
v = client.create_model_version(name, source=f"{run.info.artifact_uri}/bundle", run_id=run.info.run_id, tags=tags)
if alias:
    client.set_registered_model_alias(name, alias, v.version)
print(v.version)
`;

/** Registers a bundle folder as it is on disk (tampered or not); `manifestTag` forces the sha256 tag. */
export async function registerBundleAsIs(
  bundle: string,
  model: string,
  options: { alias?: string; manifestTag?: string } = {},
): Promise<string> {
  const { stdout } = await run(
    PYTHON,
    ['-c', REGISTER_AS_IS, bundle, model, options.alias ?? '', options.manifestTag ?? ''],
    { cwd: REPO_ROOT, timeout: 120_000, env: mlflowEnv() },
  );
  return stdout.trim().split('\n').at(-1) ?? '';
}

/** Moves `alias` of `model` to `version` (what a data scientist does in the MLflow UI). */
export async function setAlias(model: string, alias: string, version: string): Promise<void> {
  await mlflowCall('POST', '/api/2.0/mlflow/registered-models/alias', { name: model, alias, version });
}

/** Unique input, output and DLQ topics for one scoring service, and their cleanup. */
export async function scoringTopics(admin: Admin, partitions = 2) {
  const input = uniqueName('enriched');
  const output = uniqueName('scored');
  const topics = [input, output, dlqTopic(input)];
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((topic) => ({ topic, numPartitions: partitions })),
  });
  return {
    input,
    output,
    dlq: dlqTopic(input),
    cleanup: async () => {
      await admin.deleteTopics({ topics }).catch(() => undefined);
      for (const topic of topics) {
        await fetch(`${stackEnv.registryUrl}/subjects/${valueSubject(topic)}`, { method: 'DELETE' }).catch(
          () => undefined,
        );
      }
    },
  };
}

export interface ScoringService {
  process: ServiceProcess;
  /** Base URL of /metrics, /readyz (read from the "scoring running" log line). */
  url: () => Promise<string>;
  metrics: () => Promise<string>;
  readyz: () => Promise<{ code: number; checks: Record<string, string> }>;
}

/** Starts `services/scoring/src/main.ts` as a real process on the given topics. */
export function startScoring(topics: { input: string; output: string }, env: Record<string, string>): ScoringService {
  const process = startService('scoring', {
    TOPIC_ALERTS_ENRICHED: topics.input,
    TOPIC_ALERTS_SCORED: topics.output,
    SCORING_GROUP_ID: uniqueName('scoring'),
    SCORING_METRICS_PORT: '0',
    SCORING_SESSION_TIMEOUT: '6s',
    LOG_LEVEL: 'info',
    ...env,
  });
  let base: string | undefined;
  const url = async () => {
    base ??= await waitFor(
      'the scoring service to run',
      () => {
        if (process.child.exitCode !== null) throw new Error(`scoring exited:\n${process.output()}`);
        return /"metrics":"([^"]+)"/.exec(process.output())?.[1];
      },
      120_000,
      200,
    ).catch((error) => {
      throw new Error(`${(error as Error).message}\n${process.output().slice(-4_000)}`);
    });
    return base;
  };
  return {
    process,
    url,
    metrics: async () => (await fetch(`${await url()}/metrics`)).text(),
    readyz: async () => {
      const response = await fetch(`${await url()}/readyz`);
      const body = (await response.json()) as { checks: Record<string, string> };
      return { code: response.status, checks: body.checks };
    },
  };
}

/** The value of one series in Prometheus text, or 0 when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').at(-1));
  }
  return 0;
}

export function alertOf(id: string, entity: string, ts: number, values: Record<string, number>): Alert {
  return {
    id,
    source: 'scoring-test',
    entity,
    ts,
    ingestedAt: ts,
    values,
    attrs: {},
    features: {},
    origin: { topic: 'telemetry.raw', partition: 0, offset: '0', format: 'JSON' },
  };
}

export async function produceAlerts(producer: Producer, codec: AvroCodec, topic: string, alerts: readonly Alert[]) {
  await producer.send({
    topic,
    messages: alerts.map((a) => ({ key: a.entity, value: codec.encode<'vigil.Alert'>(topic, a) })),
  });
}

export interface Scored {
  message: ReadMessage;
  value: ScoredAlert;
}

/** Reads `topic` until `count` records came (or `idleMs` of silence after that), decoded. */
export async function readScored(
  kafka: Kafka,
  codec: AvroCodec,
  topic: string,
  count: number,
  timeoutMs = 120_000,
): Promise<Scored[]> {
  const messages = await readTopics(kafka, [topic], { until: (m) => m.length >= count, timeoutMs });
  // A moment more, so that an extra (duplicate) record would be seen too.
  const more = await readTopics(kafka, [topic], { idleMs: 1_500, timeoutMs });
  const all = more.length > messages.length ? more : messages;
  return Promise.all(
    all.map(async (message) => ({
      message,
      value: (await codec.decodeAs(message.value, 'vigil.ScoredAlert')) as ScoredAlert,
    })),
  );
}

/** Collects a topic's records as they come (decoded), until stopped. */
export async function liveReader(kafka: Kafka, codec: AvroCodec, topic: string) {
  const consumer = kafka.consumer({ groupId: uniqueName('live-reader'), maxWaitTimeInMs: 100 });
  const scored: Scored[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const value = (await codec.decodeAs(message.value ?? Buffer.alloc(0), 'vigil.ScoredAlert')) as ScoredAlert;
      scored.push({
        message: {
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          value: message.value ?? Buffer.alloc(0),
          headers: {},
        },
        value,
      });
    },
  });
  return { scored, stop: () => consumer.disconnect() };
}

/** The score of `model`@`alias` in a scored alert. */
export function scoreOf(scored: ScoredAlert, model: string, alias = 'published'): Score {
  const score = scored.scores.find((s) => s.model === model && s.alias === alias);
  if (!score) throw new Error(`no score of ${model}@${alias} for ${scored.alert.id}`);
  return score;
}
