import { parseArgs } from 'node:util';
import { parseDurationMs } from '@vigil/config';
import { VigilError } from '@vigil/errors';
import { FORMATS, type Format } from './encoding.ts';
import { PROFILES, type Profile } from './generator.ts';
import { ORDERS, type Order } from './inputs.ts';
import { COMPRESSIONS, type Compression } from './sinks/kafka-sink.ts';
import { TIME_SHIFTS, type TimeShift } from './timeline.ts';
import { ANOMALY_KINDS, type AnomalyKind } from './types.ts';

export const GENERATE = 'generate';

export const HELP = `Usage: pnpm replay <file|folder|generate> [options]
       node --import tsx tools/replay/src/main.ts <file|folder|generate> [options]

Streams a dataset file or folder (SKAB, Microsoft cloud monitoring, plain CSV
with a time column) or generated telemetry into Kafka, one entity per file.
Label columns are never sent as values; --labels-out writes them beside.

Input (file or folder):
  --entities GLOB          only entities matching GLOB (comma-separated; * ** ?),
                           e.g. 'skab/valve1/*'
  --order MODE             interleave (by time, default) | sequential (file by file)
  --ts-column NAME         time column of plain CSV (default: first of
                           ts, timestamp, time, datetime, date, @timestamp)
  --time-shift MODE        end (default): each entity's last record at now |
                           now: each entity's first record at now | none
  --speedup N              divide the gaps between records by N (default 1)

Input (generate):
  --entities N             number of entities, pumps and hosts (default 4)
  --duration D             e.g. 30m, 2h, 7d (default 2h)
  --interval D             time between samples (default 1s)
  --seed S                 PRNG seed (default 42); same seed, same records
  --anomalies KINDS        all (default) | none | comma list of
                           ${ANOMALY_KINDS.join(', ')}
  --anomalies-per-entity N (default: the number of kinds)
  --profile P              mixed (default) | pump | host
  --start TIME             RFC 3339 time of the first sample (default: so the
                           last sample is now); with --time-shift (default none)

Output:
  --format F               json (default) | avro (Confluent wire format, needs
                           SCHEMA_REGISTRY_URL's registry)
  --topic T                Kafka topic (default telemetry.raw, or TOPIC_TELEMETRY_RAW)
  --rate N                 records per second, 0 = as fast as possible (default 0)
  --limit N                stop after N records
  --batch-size N           records per Kafka request (default 500)
  --compression C          none (default) | gzip
  --id-prefix P            prepend P to every id, to stream a dataset again past
                           ingest's duplicate check (ids are <entity>#<row>)
  --entity-prefix P        prepend P to every entity, to stream a dataset again as
                           new entities (no window or incident state from earlier runs)
  --labels-out FILE        write {id, entity, ts, anomaly, changepoint, kind}
                           JSON lines for the records sent
  --out FILE|-             write JSON input records as lines instead of Kafka
  --csv-dir DIR            (generate) write one CSV per entity instead of Kafka
  --quiet                  no progress bar
  -h, --help               this text

Environment: KAFKA_BROKERS (default 127.0.0.1:9092), SCHEMA_REGISTRY_URL
(default http://127.0.0.1:8081/apis/ccompat/v7), TOPIC_TELEMETRY_RAW.
Exit status: 0 done, 1 failed while running, 2 bad arguments or dataset path,
130 interrupted (what was read is sent and counted first).
`;

export interface FileInputSpec {
  kind: 'files';
  path: string;
  entities?: string;
  order: Order;
  tsColumn?: string;
}

export interface GenerateInputSpec {
  kind: 'generate';
  entities: number;
  durationMs: number;
  intervalMs: number;
  seed: string;
  anomalies: readonly AnomalyKind[];
  anomaliesPerEntity?: number;
  profile: Profile;
  /** Epoch ms; undefined = end at the start of the run. */
  start?: number;
}

export interface CliOptions {
  help: boolean;
  input: FileInputSpec | GenerateInputSpec;
  format: Format;
  topic?: string;
  rate: number;
  limit?: number;
  batchSize: number;
  compression: Compression;
  timeShift: TimeShift;
  speedup: number;
  idPrefix?: string;
  entityPrefix?: string;
  labelsOut?: string;
  out?: string;
  csvDir?: string;
  quiet: boolean;
}

const OPTIONS = {
  entities: { type: 'string' },
  order: { type: 'string' },
  'ts-column': { type: 'string' },
  'time-shift': { type: 'string' },
  speedup: { type: 'string' },
  duration: { type: 'string' },
  interval: { type: 'string' },
  seed: { type: 'string' },
  anomalies: { type: 'string' },
  'anomalies-per-entity': { type: 'string' },
  profile: { type: 'string' },
  start: { type: 'string' },
  format: { type: 'string' },
  topic: { type: 'string' },
  rate: { type: 'string' },
  limit: { type: 'string' },
  'batch-size': { type: 'string' },
  compression: { type: 'string' },
  'id-prefix': { type: 'string' },
  'entity-prefix': { type: 'string' },
  'labels-out': { type: 'string' },
  out: { type: 'string' },
  'csv-dir': { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionName = keyof typeof OPTIONS;
type OptionValues = { [K in OptionName]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

const GENERATOR_ONLY = [
  'duration',
  'interval',
  'seed',
  'anomalies',
  'anomalies-per-entity',
  'profile',
  'start',
  'csv-dir',
];
const FILES_ONLY = ['order', 'ts-column'];
const KAFKA_ONLY = ['topic', 'compression', 'batch-size'];

function invalid(problems: readonly string[]): VigilError {
  return new VigilError('VIGIL_CONFIG_INVALID', `invalid arguments:\n${problems.map((p) => `  ${p}`).join('\n')}`, {
    problems,
  });
}

/**
 * Parses the command line. Every problem is collected and reported in one
 * VIGIL_CONFIG_INVALID error; nothing is repaired silently.
 */
export function parseCli(argv: readonly string[]): CliOptions {
  // Not strict, so unknown options and missing values are reported with every other problem.
  const parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: false });
  const problems: string[] = [];
  const values: OptionValues = {};
  for (const [name, value] of Object.entries(parsed.values)) {
    const spec = (OPTIONS as Record<string, { type: string }>)[name];
    const flag = name.length === 1 ? `-${name}` : `--${name}`;
    if (spec === undefined) problems.push(`unknown option ${flag}`);
    else if (spec.type === 'string' && typeof value !== 'string') problems.push(`${flag} needs a value`);
    else if (spec.type === 'boolean' && typeof value !== 'boolean') problems.push(`${flag} takes no value`);
    else (values as Record<string, unknown>)[name] = value;
  }
  const { positionals } = parsed;
  const given = (name: OptionName): boolean => values[name] !== undefined;

  const oneOf = <T extends string>(name: OptionName, allowed: readonly T[], fallback: T): T => {
    const text = values[name];
    if (text === undefined) return fallback;
    if ((allowed as readonly string[]).includes(text as string)) return text as T;
    problems.push(`--${name} must be one of ${allowed.join(', ')}; got "${text}"`);
    return fallback;
  };
  const number = (name: OptionName, check: (n: number) => boolean, rule: string): number | undefined => {
    const text = values[name];
    if (text === undefined) return undefined;
    const n = /^\d+(\.\d+)?$/.test(text as string) ? Number(text) : Number.NaN;
    if (Number.isFinite(n) && check(n)) return n;
    problems.push(`--${name} must be ${rule}; got "${text}"`);
    return undefined;
  };
  const integer = (name: OptionName, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined =>
    number(name, (n) => Number.isInteger(n) && n >= min && n <= max, `an integer from ${min} to ${max}`);
  const duration = (name: OptionName, fallback: number): number => {
    const text = values[name];
    if (text === undefined) return fallback;
    const ms = parseDurationMs(text as string);
    if (ms !== undefined && ms > 0) return ms;
    problems.push(`--${name} must be a positive duration such as 500ms, 30s, 5m, 2h or 7d; got "${text}"`);
    return fallback;
  };

  if (values.help) return { ...defaults(), help: true };

  if (positionals.length !== 1) {
    problems.push(
      positionals.length === 0
        ? 'give one input: a dataset file or folder, or "generate" (see --help)'
        : `give one input, got ${positionals.length}: ${positionals.join(' ')}`,
    );
  }
  const target = positionals[0] ?? '';
  const generating = target === GENERATE;
  const misplaced = generating ? FILES_ONLY : GENERATOR_ONLY;
  for (const name of misplaced) {
    if (given(name as OptionName)) {
      problems.push(`--${name} applies only ${generating ? 'to a file or folder' : 'to "generate"'}`);
    }
  }
  const toFile = given('out') || given('csv-dir');
  if (given('out') && given('csv-dir')) problems.push('--out and --csv-dir exclude each other');
  if (toFile) {
    for (const name of KAFKA_ONLY) if (given(name as OptionName)) problems.push(`--${name} needs Kafka output`);
  }

  const format = oneOf('format', FORMATS, 'json');
  if (toFile && format !== 'json') problems.push('--format avro needs Kafka output');

  let input: FileInputSpec | GenerateInputSpec;
  if (generating) {
    const durationMs = duration('duration', 2 * 3_600_000);
    const intervalMs = duration('interval', 1_000);
    if (intervalMs > durationMs) problems.push('--interval must not be longer than --duration');
    let start: number | undefined;
    if (given('start')) {
      start = Date.parse(values.start as string);
      if (Number.isNaN(start) || !/^\d{4}-\d{2}-\d{2}/.test(values.start as string)) {
        problems.push(`--start must be an RFC 3339 time such as 2024-06-03T00:00:00Z; got "${values.start}"`);
        start = undefined;
      }
    }
    input = {
      kind: 'generate',
      entities: given('entities') ? (integer('entities', 1, 10_000) ?? 1) : 4,
      durationMs,
      intervalMs,
      seed: values.seed ?? '42',
      anomalies: parseKinds(values.anomalies, problems),
      anomaliesPerEntity: integer('anomalies-per-entity', 0, 1_000),
      profile: oneOf('profile', PROFILES, 'mixed'),
      start,
    };
  } else {
    input = {
      kind: 'files',
      path: target,
      entities: values.entities,
      order: oneOf('order', ORDERS, 'interleave'),
      tsColumn: values['ts-column'],
    };
  }

  const options: CliOptions = {
    help: false,
    input,
    format,
    topic: values.topic,
    rate: number('rate', (n) => n >= 0, 'a number ≥ 0') ?? 0,
    limit: integer('limit', 0),
    batchSize: integer('batch-size', 1, 100_000) ?? 500,
    compression: oneOf('compression', COMPRESSIONS, 'none'),
    timeShift: oneOf('time-shift', TIME_SHIFTS, generating ? 'none' : 'end'),
    speedup: number('speedup', (n) => n > 0, 'a number > 0') ?? 1,
    idPrefix: values['id-prefix'],
    entityPrefix: values['entity-prefix'],
    labelsOut: values['labels-out'],
    out: values.out,
    csvDir: values['csv-dir'],
    quiet: values.quiet ?? false,
  };
  if (problems.length > 0) throw invalid(problems);
  return Object.freeze(options);
}

function parseKinds(text: string | undefined, problems: string[]): readonly AnomalyKind[] {
  if (text === undefined || text === 'all') return ANOMALY_KINDS;
  if (text === 'none') return [];
  const kinds = text.split(',').map((k) => k.trim());
  const unknown = kinds.filter((k) => !(ANOMALY_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    problems.push(`--anomalies: unknown kind ${unknown.join(', ')}; known: all, none, ${ANOMALY_KINDS.join(', ')}`);
  }
  return kinds.filter((k): k is AnomalyKind => (ANOMALY_KINDS as readonly string[]).includes(k));
}

function defaults(): CliOptions {
  return {
    help: false,
    input: { kind: 'files', path: '', order: 'interleave' },
    format: 'json',
    rate: 0,
    batchSize: 500,
    compression: 'none',
    timeShift: 'end',
    speedup: 1,
    quiet: false,
  };
}
