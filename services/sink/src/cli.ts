import { pathToFileURL } from 'node:url';
import { parseConfig } from '@vigil/config';
import { isVigilError } from '@vigil/errors';
import { createPool } from '@vigil/postgres';
import type pg from 'pg';
import { parseStoreArgs, type StoreCommand, USAGE } from './cli-args.ts';
import { databaseEnv } from './config.ts';
import { type HistoryView, type IncidentView, type ScoreView, StoreQueries, type SummaryView } from './queries.ts';
import { type Column, formatTable } from './table-format.ts';

const INCIDENT_TABLE: Column<IncidentView>[] = [
  { header: 'incident', value: (r) => r.incidentId },
  { header: 'state', value: (r) => r.state },
  { header: 'last event', value: (r) => r.lastEvent },
  { header: 'events', value: (r) => r.events },
  { header: 'entity', value: (r) => r.entity },
  { header: 'module', value: (r) => r.module },
  { header: 'model', value: (r) => `${r.model}@${r.version}` },
  { header: 'alias', value: (r) => r.alias },
  { header: 'severity', value: (r) => r.severity },
  { header: 'peak', value: (r) => r.peakScore },
  { header: 'opened', value: (r) => r.openedAt },
  { header: 'last anomaly', value: (r) => r.lastAnomalyAt },
  { header: 'closed', value: (r) => r.closedAt },
  { header: 'alerts', value: (r) => r.alerts },
];

const SCORE_TABLE: Column<Omit<ScoreView, 'entity'>>[] = [
  { header: 'ts', value: (r) => r.ts },
  { header: 'alert', value: (r) => r.alertId },
  { header: 'module', value: (r) => r.module },
  { header: 'model', value: (r) => `${r.model}@${r.version}` },
  { header: 'alias', value: (r) => r.alias },
  { header: 'raw', value: (r) => r.raw },
  { header: 'calibrated', value: (r) => r.calibrated },
  { header: 'verdict', value: (r) => r.verdict },
  { header: 'missing reason', value: (r) => r.missingReason },
];

const HISTORY_TABLE: Column<HistoryView>[] = [
  ...SCORE_TABLE,
  { header: 'label', value: (r) => r.label },
  { header: 'values', value: (r) => r.values },
];

const SUMMARY_TABLE: Column<SummaryView>[] = [
  { header: 'model', value: (r) => r.model },
  { header: 'version', value: (r) => r.version },
  { header: 'alias', value: (r) => r.alias },
  { header: 'verdict', value: (r) => r.verdict },
  { header: 'count', value: (r) => r.count },
  { header: 'first ts', value: (r) => r.firstTs },
  { header: 'last ts', value: (r) => r.lastTs },
];

export interface CliOutput {
  out: (text: string) => void;
  err: (text: string) => void;
}

function render<R>(json: boolean, columns: readonly Column<R>[], rows: readonly R[], output: CliOutput): void {
  output.out(json ? JSON.stringify(rows, null, 2) : formatTable(columns, rows));
}

/** Runs one parsed command against the store and prints its result. */
export async function runStoreCommand(
  command: Exclude<StoreCommand, { command: 'help' }>,
  queries: StoreQueries,
  output: CliOutput,
): Promise<void> {
  switch (command.command) {
    case 'incidents':
      return render(command.json, INCIDENT_TABLE, await queries.incidents(command.filter), output);
    case 'scores': {
      const result = await queries.incidentScores(command.incidentId, { allModels: command.allModels });
      if (command.json) {
        output.out(JSON.stringify(result, null, 2));
        return;
      }
      output.out(formatTable(INCIDENT_TABLE, [result.incident]));
      output.out('');
      output.out(formatTable(SCORE_TABLE, result.scores));
      if (result.missingAlertIds.length > 0) {
        output.err(
          `${result.missingAlertIds.length} covered alert(s) have no stored score: ${result.missingAlertIds.join(', ')}`,
        );
      }
      return;
    }
    case 'entity':
      return render(
        command.json,
        HISTORY_TABLE,
        await queries.entityHistory(command.entity, { since: command.since, limit: command.limit }),
        output,
      );
    case 'summary':
      return render(command.json, SUMMARY_TABLE, await queries.summary({ since: command.since }), output);
  }
}

/** The CLI: parse, query, print; exit 2 on a bad argument, 1 when the store cannot answer. */
export async function main(argv: readonly string[], env: Record<string, string | undefined> = process.env) {
  const output: CliOutput = {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  };
  let pool: pg.Pool | undefined;
  try {
    const command = parseStoreArgs(argv);
    if (command.command === 'help') {
      output.out(USAGE);
      return 0;
    }
    const config = parseConfig(databaseEnv, env);
    pool = createPool({
      url: config.DATABASE_URL,
      schema: config.SINK_DB_SCHEMA,
      max: 1,
      applicationName: 'vigil-store',
    });
    pool.on('error', () => undefined); // an idle connection dying is reported by the next query instead
    await runStoreCommand(command, new StoreQueries(pool), output);
    return 0;
  } catch (error) {
    output.err(error instanceof Error ? error.message : String(error));
    return isVigilError(error, 'VIGIL_SINK_BAD_ARGUMENT') || isVigilError(error, 'VIGIL_CONFIG_INVALID') ? 2 : 1;
  } finally {
    await pool?.end();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
