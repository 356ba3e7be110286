import { pathToFileURL } from 'node:url';
import { parseConfig } from '@vigil/config';
import { isVigilError } from '@vigil/errors';
import { createPool, migrate, migrationStatus } from '@vigil/postgres';
import { databaseEnv } from './config.ts';
import { sinkMigrations } from './migrations.ts';

/**
 * `node --import tsx services/sink/src/migrate.ts [--status]` (root: `pnpm migrate`):
 * applies the pending migrations of services/sink/migrations to
 * `SINK_DB_SCHEMA` in `DATABASE_URL`, or with `--status` only lists them.
 */
export async function main(argv: readonly string[], env: Record<string, string | undefined> = process.env) {
  const statusOnly = argv.includes('--status');
  const unknown = argv.filter((a) => a !== '--status');
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument ${unknown.join(' ')}; usage: migrate.ts [--status]\n`);
    return 2;
  }
  let config: ReturnType<typeof parseConfig<typeof databaseEnv>>;
  try {
    config = parseConfig(databaseEnv, env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const pool = createPool({
    url: config.DATABASE_URL,
    schema: config.SINK_DB_SCHEMA,
    max: 1,
    applicationName: 'vigil-migrate',
  });
  pool.on('error', () => undefined);
  const where = `schema ${config.SINK_DB_SCHEMA}`;
  try {
    if (statusOnly) {
      const status = await migrationStatus(pool, sinkMigrations());
      process.stdout.write(`${where}: applied [${status.applied.join(', ')}]\n`);
      for (const m of status.pending) process.stdout.write(`pending ${m.file}\n`);
      return 0;
    }
    const result = await migrate(pool, config.SINK_DB_SCHEMA, sinkMigrations());
    for (const m of result.applied) process.stdout.write(`applied ${m.file}\n`);
    process.stdout.write(
      `${where}: ${result.applied.length} migration(s) applied, ${result.alreadyApplied} already there\n`,
    );
    return 0;
  } catch (error) {
    const code = isVigilError(error) ? `${error.code}: ` : '';
    process.stderr.write(`${code}${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await pool.end();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
