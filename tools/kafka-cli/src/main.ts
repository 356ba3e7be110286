import { once } from 'node:events';
import { AvroCodec } from '@vigil/avro';
import { connectionEnv, parseConfig } from '@vigil/config';
import { Kafka, logLevel } from 'kafkajs';
import { toJson } from './decode.ts';
import { formatJson, formatText } from './format.ts';
import { groupsTable, readGroups } from './groups.ts';
import { type Command, parseCli, UsageError } from './options.ts';
import { tail } from './tail.ts';
import { readTopics, topicsTable } from './topics.ts';

const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

type Env = Readonly<{ KAFKA_BROKERS: string; SCHEMA_REGISTRY_URL: string }>;

function kafkaClient(env: Env): Kafka {
  return new Kafka({
    clientId: 'vigil-kafka-cli',
    brokers: env.KAFKA_BROKERS.split(',').map((b) => b.trim()),
    connectionTimeout: 3_000,
    // An operator wants an answer or an error within seconds, not a service's patient retries.
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1_000 },
    logLevel: logLevel.NOTHING,
  });
}

/** A codec when the registry answers; otherwise undefined, said once, and Avro values are shown as hex. */
async function registryCodec(env: Env): Promise<AvroCodec | undefined> {
  try {
    return await AvroCodec.connect({ registryUrl: env.SCHEMA_REGISTRY_URL });
  } catch (error) {
    process.stderr.write(
      `kafka: the schema registry at ${env.SCHEMA_REGISTRY_URL} did not answer (${(error as Error).message}); ` +
        'Avro values are shown as hex\n',
    );
    return undefined;
  }
}

async function runCommand(command: Exclude<Command, { command: 'help' }>, env: Env): Promise<number> {
  const kafka = kafkaClient(env);
  const admin = kafka.admin();
  await admin.connect();
  try {
    switch (command.command) {
      case 'topics': {
        const rows = await readTopics(admin, command);
        process.stdout.write(command.json ? rows.map((r) => `${toJson(r)}\n`).join('') : `${topicsTable(rows)}\n`);
        return EXIT.ok;
      }
      case 'groups': {
        const rows = await readGroups(admin, command);
        process.stdout.write(command.json ? rows.map((r) => `${toJson(r)}\n`).join('') : `${groupsTable(rows)}\n`);
        return EXIT.ok;
      }
      case 'tail': {
        if (!(await admin.listTopics()).includes(command.topic)) {
          process.stderr.write(`kafka: no topic named '${command.topic}' (./vigil kafka topics lists them)\n`);
          return EXIT.failed;
        }
        const codec = await registryCodec(env);
        const abort = new AbortController();
        const onSignal = () => {
          if (abort.signal.aborted) process.exit(130);
          abort.abort();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        // The reader went away (`| head`): stop as on Ctrl-C, so the group is still deleted.
        const onOutputError = () => abort.abort();
        process.stdout.on('error', onOutputError);
        try {
          const format = command.json ? formatJson : formatText;
          await tail(kafka, admin, command, {
            // A full pipe pauses the tail until it drains, or until the tail is stopped.
            print: (record) =>
              process.stdout.write(format(record))
                ? undefined
                : once(process.stdout, 'drain', { signal: abort.signal }).then(
                    () => undefined,
                    () => undefined,
                  ),
            avro: codec ? (value) => codec.decode(value) : undefined,
            signal: abort.signal,
          });
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          process.stdout.off('error', onOutputError);
        }
        return EXIT.ok;
      }
    }
  } finally {
    await admin.disconnect();
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let command: Command;
  let env: Env;
  try {
    command = parseCli(argv);
    if (command.command === 'help') {
      process.stdout.write(command.text);
      return EXIT.ok;
    }
    env = parseConfig({
      KAFKA_BROKERS: connectionEnv.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: connectionEnv.SCHEMA_REGISTRY_URL,
    });
  } catch (error) {
    const help = error instanceof UsageError ? `\n${error.help}` : '';
    process.stderr.write(`kafka: ${(error as Error).message}\n${help}`);
    return EXIT.usage;
  }
  try {
    return await runCommand(command, env);
  } catch (error) {
    process.stderr.write(
      `kafka: ${command.command} failed against ${env.KAFKA_BROKERS}: ${(error as Error).message}\n`,
    );
    return EXIT.failed;
  }
}

process.exitCode = await main(process.argv.slice(2));
