import { type ParseArgsConfig, parseArgs } from 'node:util';

export const HELP = `Usage: ./vigil kafka <command> [options]

Reads the local Kafka cluster for an operator: what topics and consumer groups
there are, and what is on a topic, decoded. It never commits an offset and
leaves no consumer group behind.

Commands:
  topics          every topic: partitions, records, end offset
  groups          every consumer group: state, members, committed offset and lag per topic
  tail TOPIC      the latest records of a topic, decoded (Avro via the schema registry,
                  JSON, text or hex), with the dead-letter headers of *.dlq topics

./vigil kafka <command> --help shows the options of one command.

Environment: KAFKA_BROKERS (default 127.0.0.1:9092), SCHEMA_REGISTRY_URL
(default http://127.0.0.1:8081/apis/ccompat/v7).
Exit status: 0 done, 1 failed (Kafka unreachable, no such topic), 2 bad arguments.
`;

export const TOPICS_HELP = `Usage: ./vigil kafka topics [--match TEXT] [--all] [--json]

Lists topics by name: partitions, records (end minus start offsets, summed over
the partitions: what the topic holds now) and the end offset (everything ever written).

  --match TEXT    only topics whose name contains TEXT
  --all           include Kafka's internal topics (__consumer_offsets, ...)
  --json          one JSON object per topic, with its partitions
  -h, --help      this text
`;

export const GROUPS_HELP = `Usage: ./vigil kafka groups [--match TEXT] [--json]

Lists consumer groups: state, members, and for each topic the group committed
offsets on, the committed offset, the end offset and the lag (end minus
committed, summed over the partitions; a partition without a commit counts
all its records).

  --match TEXT    only groups whose id contains TEXT
  --json          one JSON object per group, with its partitions
  -h, --help      this text
`;

export const TAIL_HELP = `Usage: ./vigil kafka tail TOPIC [--max N] [--from-beginning] [--follow] [--json]

Prints records of TOPIC, decoded: Confluent-framed Avro through the schema
registry, else JSON, else text, else hex. Records of a dead-letter topic
(*.dlq) show their vigil.error.* and vigil.source.* headers first. Reads with
a throw-away consumer group that commits nothing and is deleted at the end.

  --max N            without --from-beginning: the latest N records (default 10),
                     across partitions, by time; 0 with --follow: only new ones.
                     With --from-beginning: stop after N records (default: all)
  --from-beginning   from the earliest offset of each partition
  --follow, -f       then keep printing new records until Ctrl-C
  --json             one JSON object per record (key, headers, value, how it was decoded)
  -h, --help         this text
`;

/** A bad command line: main prints the message and exits 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly help: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Command =
  | { command: 'help'; text: string }
  | { command: 'topics'; match?: string; all: boolean; json: boolean }
  | { command: 'groups'; match?: string; json: boolean }
  | { command: 'tail'; topic: string; max?: number; fromBeginning: boolean; follow: boolean; json: boolean };

type Options = NonNullable<ParseArgsConfig['options']>;

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const satisfies Options;

function parse<const O extends Options>(args: readonly string[], options: O, help: string) {
  try {
    return parseArgs({
      args: [...args],
      options: { ...options, ...HELP_OPTION },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message, help);
  }
}

function noPositionals(positionals: readonly string[], help: string): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, help);
}

function count(text: string | undefined, help: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
    throw new UsageError(`--max takes a whole number of records, got '${text}'`, help);
  }
  return n;
}

/** Parses `./vigil kafka` arguments (after `kafka`). Throws UsageError for anything it does not know. */
export function parseCli(argv: readonly string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    return { command: 'help', text: HELP };
  }
  switch (name) {
    case 'topics': {
      const { values, positionals } = parse(
        rest,
        { match: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' } },
        TOPICS_HELP,
      );
      if (values.help) return { command: 'help', text: TOPICS_HELP };
      noPositionals(positionals, TOPICS_HELP);
      return { command: 'topics', match: values.match, all: values.all === true, json: values.json === true };
    }
    case 'groups': {
      const { values, positionals } = parse(
        rest,
        { match: { type: 'string' }, json: { type: 'boolean' } },
        GROUPS_HELP,
      );
      if (values.help) return { command: 'help', text: GROUPS_HELP };
      noPositionals(positionals, GROUPS_HELP);
      return { command: 'groups', match: values.match, json: values.json === true };
    }
    case 'tail': {
      const { values, positionals } = parse(
        rest,
        {
          max: { type: 'string' },
          'from-beginning': { type: 'boolean' },
          follow: { type: 'boolean', short: 'f' },
          json: { type: 'boolean' },
        },
        TAIL_HELP,
      );
      if (values.help) return { command: 'help', text: TAIL_HELP };
      const [topic, ...extra] = positionals;
      if (topic === undefined) throw new UsageError('tail needs a TOPIC', TAIL_HELP);
      noPositionals(extra, TAIL_HELP);
      const fromBeginning = values['from-beginning'] === true;
      const follow = values.follow === true;
      const max = count(values.max, TAIL_HELP);
      if (max === 0 && (fromBeginning || !follow)) {
        throw new UsageError('--max 0 prints nothing; it only makes sense with --follow alone', TAIL_HELP);
      }
      return { command: 'tail', topic, max, fromBeginning, follow, json: values.json === true };
    }
    default:
      throw new UsageError(`unknown command '${name}'`, HELP);
  }
}
