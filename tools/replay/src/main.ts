import { AvroCodec } from '@vigil/avro';
import { connectionEnv, parseConfig } from '@vigil/config';
import { topicNames } from '@vigil/contracts';
import { isVigilError, VigilError } from '@vigil/errors';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { avroEncoder, encodeJson } from './encoding.ts';
import { entityMatcher } from './glob.ts';
import { openFileInput, openGeneratedInput, type ReplayInput } from './inputs.ts';
import { type CliOptions, HELP, parseCli } from './options.ts';
import { createProgress } from './progress.ts';
import { type ReplaySummary, runReplay } from './replay.ts';
import { CsvDirSink } from './sinks/csv-dir-sink.ts';
import { JsonlSink } from './sinks/jsonl-sink.ts';
import { KafkaSink } from './sinks/kafka-sink.ts';
import { LabelsSink } from './sinks/labels-sink.ts';
import { LineWriter } from './sinks/line-writer.ts';
import type { RecordSink } from './sinks/types.ts';

const naturalOrder = new Intl.Collator('en', { numeric: true }).compare;
const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

type Env = Readonly<{ KAFKA_BROKERS: string; SCHEMA_REGISTRY_URL: string }>;

async function openInput(options: CliOptions, runStart: number): Promise<ReplayInput> {
  const retime = { shift: options.timeShift, speedup: options.speedup, now: runStart };
  const { input } = options;
  if (input.kind === 'generate') {
    // By default the last sample falls on the run's start, on the interval grid.
    const start =
      input.start ?? Math.floor((runStart - input.durationMs) / input.intervalMs) * input.intervalMs + input.intervalMs;
    return openGeneratedInput(
      { ...input, start },
      { retime, idPrefix: options.idPrefix, entityPrefix: options.entityPrefix },
    );
  }
  const opened = await openFileInput(input.path, {
    tsColumn: input.tsColumn,
    entityFilter: input.entities === undefined ? undefined : entityMatcher(input.entities),
    order: input.order,
    retime,
    idPrefix: options.idPrefix,
    entityPrefix: options.entityPrefix,
  });
  if (opened.entities.length === 0) {
    throw new VigilError(
      'VIGIL_REPLAY_BAD_INPUT',
      `no entity under ${input.path} matches --entities ${input.entities}`,
    );
  }
  return opened;
}

/** Owns what main opens, closed in reverse order of opening, every step even when one fails. */
class Resources {
  private readonly closers: { name: string; close: () => Promise<void> }[] = [];
  add(name: string, close: () => Promise<void>): void {
    this.closers.push({ name, close });
  }
  async close(): Promise<void> {
    for (const { name, close } of this.closers.reverse()) {
      try {
        await close();
      } catch (error) {
        process.stderr.write(`replay: closing ${name} failed: ${(error as Error).message}\n`);
      }
    }
    this.closers.length = 0;
  }
}

async function connectProducer(env: Env, resources: Resources): Promise<Producer> {
  const kafka = new Kafka({
    clientId: 'vigil-replay',
    brokers: env.KAFKA_BROKERS.split(',').map((b) => b.trim()),
    connectionTimeout: 5_000,
    retry: { retries: 3 },
    logLevel: logLevel.ERROR,
    logCreator:
      () =>
      ({ label, log }) =>
        process.stderr.write(`kafkajs ${label}: ${log.message}${log.error ? ` (${log.error})` : ''}\n`),
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  try {
    await producer.connect();
  } catch (error) {
    throw new VigilError('VIGIL_KAFKA_UNAVAILABLE', `cannot connect to Kafka at ${env.KAFKA_BROKERS}`, {
      cause: error,
    });
  }
  resources.add('Kafka producer', () => producer.disconnect());
  return producer;
}

async function openSink(options: CliOptions, env: Env, resources: Resources): Promise<RecordSink> {
  if (options.out !== undefined) {
    const sink = new JsonlSink(await LineWriter.open(options.out));
    resources.add(sink.description, () => sink.close());
    return sink;
  }
  if (options.csvDir !== undefined) {
    const sink = new CsvDirSink(options.csvDir);
    resources.add(sink.description, () => sink.close());
    return sink;
  }
  const topic = options.topic ?? topicNames().telemetryRaw;
  let encode = encodeJson;
  if (options.format === 'avro') {
    const codec = await AvroCodec.connect({ registryUrl: env.SCHEMA_REGISTRY_URL });
    await codec.registerTopic(topic, 'vigil.Telemetry');
    encode = avroEncoder(codec, topic);
  }
  const producer = await connectProducer(env, resources);
  return new KafkaSink(producer, { topic, encode, format: options.format, compression: options.compression });
}

function report(summary: ReplaySummary, sink: RecordSink, labels: string | undefined): string {
  const width = Math.max(0, ...[...summary.perEntity.keys()].map((e) => e.length));
  const lines = [...summary.perEntity]
    .sort(([a], [b]) => naturalOrder(a, b))
    .map(([entity, count]) => `  ${entity.padEnd(width)}  ${count}`);
  const seconds = summary.elapsedMs / 1000;
  lines.push(
    `${summary.interrupted ? 'interrupted: ' : ''}sent ${summary.sent} records from ${summary.perEntity.size} ` +
      `${summary.perEntity.size === 1 ? 'entity' : 'entities'} ` +
      `to ${sink.description} in ${seconds.toFixed(2)} s (${Math.round(summary.rate)} records/s)` +
      (labels ? `; labels in ${labels}` : ''),
  );
  return `${lines.join('\n')}\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  let env: Env;
  try {
    options = parseCli(argv);
    if (options.help) {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    env = parseConfig({
      KAFKA_BROKERS: connectionEnv.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: connectionEnv.SCHEMA_REGISTRY_URL,
    });
  } catch (error) {
    process.stderr.write(`replay: ${(error as Error).message}\nRun with --help for the options.\n`);
    return EXIT.usage;
  }

  const runStart = Date.now();
  let input: ReplayInput;
  try {
    input = await openInput(options, runStart);
  } catch (error) {
    process.stderr.write(`replay: ${(error as Error).message}\n`);
    return isVigilError(error, 'VIGIL_REPLAY_BAD_INPUT') ? EXIT.usage : EXIT.failed;
  }

  const resources = new Resources();
  const abort = new AbortController();
  const onSignal = (): void => {
    if (abort.signal.aborted) process.exit(EXIT.interrupted);
    process.stderr.write('\nreplay: stopping after the current batch (again to quit at once)\n');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = createProgress(!options.quiet && process.stderr.isTTY === true);
  try {
    const sink = await openSink(options, env, resources);
    const taps: RecordSink[] = [];
    if (options.labelsOut !== undefined) {
      const labels = new LabelsSink(await LineWriter.open(options.labelsOut));
      resources.add(labels.description, () => labels.close());
      taps.push(labels);
    }
    const total = options.limit === undefined ? input.total : Math.min(options.limit, input.total);
    progress.start(total);
    const summary = await runReplay(input.records(), sink, {
      rate: options.rate,
      limit: options.limit,
      batchSize: options.batchSize,
      taps,
      onProgress: (sent) => progress.update(sent),
      signal: abort.signal,
    });
    progress.stop();
    await resources.close();
    const text = report(summary, sink, options.labelsOut);
    (options.out === '-' ? process.stderr : process.stdout).write(text);
    return summary.interrupted ? EXIT.interrupted : EXIT.ok;
  } catch (error) {
    progress.stop();
    const code = error instanceof VigilError ? `${error.code}: ` : '';
    const cause = (error as Error).cause instanceof Error ? ` (${((error as Error).cause as Error).message})` : '';
    process.stderr.write(`replay failed: ${code}${(error as Error).message}${cause}\n`);
    return EXIT.failed;
  } finally {
    await resources.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

process.exitCode = await main(process.argv.slice(2));
