import { parseArgs } from 'node:util';
import { parseDurationMs } from '@vigil/config';
import { VigilError } from '@vigil/errors';
import type { IncidentFilter } from './queries.ts';

export const USAGE = `Usage: vigil-store <command> [options]

Reads the score store (PostgreSQL). Times are event times (the alerts' ts).

Commands:
  incidents [--status OPEN|CLOSED] [--since 1h] [--alias published] [--entity E] [--limit 50]
      Incidents by current state, most recently active first. OPEN means not
      closed yet (last event OPEN or UPDATED).
  scores --incident <id> [--all-models]
      The stored scores of the alerts an incident covers (its own model,
      version and alias; every module's with --all-models).
  entity <entity> [--since 1h] [--limit 20]
      An entity's latest alerts with each score, verdict and latest label.
  summary [--since 24h]
      Score counts by model, version, alias and verdict.

Options:
  --since <t>   a duration back from now (30m, 1h, 7d) or a time (2024-01-15T10:00:00Z)
  --json        print JSON instead of a table
  -h, --help    print this help

Environment: DATABASE_URL (postgres://vigil:vigil@127.0.0.1:5432/vigil),
SINK_DB_SCHEMA (public).`;

export type StoreCommand =
  | { command: 'help' }
  | { command: 'incidents'; json: boolean; filter: IncidentFilter }
  | { command: 'scores'; json: boolean; incidentId: string; allModels: boolean }
  | { command: 'entity'; json: boolean; entity: string; since?: Date; limit: number }
  | { command: 'summary'; json: boolean; since?: Date };

function bad(message: string): VigilError {
  return new VigilError('VIGIL_SINK_BAD_ARGUMENT', `${message} (see --help)`);
}

/** `--since`: a duration back from `now`, or an absolute time. */
export function parseSince(text: string, now: number): Date {
  const ms = parseDurationMs(text);
  if (ms !== undefined) return new Date(now - ms);
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw bad(`--since "${text}" is neither a duration (1h, 7d) nor a time`);
  return new Date(time);
}

function parseLimit(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw bad(`--limit "${text}" is not 1 to 100000`);
  return limit;
}

const OPTIONS = {
  status: { type: 'string' },
  since: { type: 'string' },
  alias: { type: 'string' },
  entity: { type: 'string' },
  limit: { type: 'string' },
  incident: { type: 'string' },
  'all-models': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Which options each command takes; any other is an error rather than silently ignored. */
const ALLOWED: Record<Exclude<StoreCommand['command'], 'help'>, readonly string[]> = {
  incidents: ['status', 'since', 'alias', 'entity', 'limit', 'json'],
  scores: ['incident', 'all-models', 'json'],
  entity: ['since', 'limit', 'json'],
  summary: ['since', 'json'],
};

/** Parses the CLI's arguments (without `node` and the script); throws VIGIL_SINK_BAD_ARGUMENT. */
export function parseStoreArgs(argv: readonly string[], now: number = Date.now()): StoreCommand {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw bad((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') return { command: 'help' };
  if (!(command in ALLOWED)) throw bad(`unknown command "${command}"`);
  const name = command as keyof typeof ALLOWED;
  for (const key of Object.keys(values)) {
    if (!ALLOWED[name].includes(key)) throw bad(`${name} does not take --${key}`);
  }
  const json = values.json === true;
  const since = values.since === undefined ? undefined : parseSince(values.since, now);

  if (name === 'entity') {
    if (rest.length !== 1) throw bad('entity takes exactly one entity name');
    return { command: name, json, entity: rest[0] as string, since, limit: parseLimit(values.limit, 20) };
  }
  if (rest.length > 0) throw bad(`${name} takes no positional argument, got "${rest.join(' ')}"`);
  if (name === 'scores') {
    if (values.incident === undefined || values.incident.length === 0) throw bad('scores needs --incident <id>');
    return { command: name, json, incidentId: values.incident, allModels: values['all-models'] === true };
  }
  if (name === 'summary') return { command: name, json, since };

  let state: IncidentFilter['state'];
  if (values.status !== undefined) {
    const status = values.status.toUpperCase();
    if (status !== 'OPEN' && status !== 'CLOSED') throw bad(`--status "${values.status}" is not OPEN or CLOSED`);
    state = status;
  }
  return {
    command: name,
    json,
    filter: { state, since, alias: values.alias, entity: values.entity, limit: parseLimit(values.limit, 50) },
  };
}
