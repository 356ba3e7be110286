import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPool, type Migration, migrate, migrationStatus } from '@vigil/postgres';
import { sinkMigrations as loadMigrations } from '@vigil/sink';
import { stackEnv } from '@vigil/test-kit';
import { type StoreFixture, storeFixture } from './fixture.ts';

async function tables(fixture: StoreFixture): Promise<string[]> {
  const result = await fixture.pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1`,
    [fixture.schema],
  );
  return result.rows.map((r) => r.name);
}

describe('sink migrations', () => {
  let fixture: StoreFixture;
  before(async () => {
    fixture = await storeFixture({ migrated: false });
  });
  after(() => fixture.cleanup());

  it('apply every file once, and a second run applies nothing', async () => {
    const files = loadMigrations();
    const first = await migrate(fixture.pool, fixture.schema, files);
    assert.deepEqual(
      first.applied.map((m) => m.file),
      files.map((m) => m.file),
    );
    assert.equal(first.alreadyApplied, 0);

    const second = await migrate(fixture.pool, fixture.schema, files);
    assert.deepEqual(second.applied, []);
    assert.equal(second.alreadyApplied, files.length);

    assert.deepEqual(await tables(fixture), ['alerts', 'incident_events', 'labels', 'schema_migrations', 'scores']);
    const status = await migrationStatus(fixture.pool, files);
    assert.deepEqual(status.pending, []);
    assert.deepEqual(
      status.applied,
      files.map((m) => m.version),
    );
  });

  it('refuse to run when an applied file changed', async () => {
    const changed = loadMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'edited' } : m));
    await assert.rejects(migrate(fixture.pool, fixture.schema, changed), {
      code: 'VIGIL_DATABASE_MIGRATION_FAILED',
      message: /changed after it was applied/,
    });
  });

  it('roll a failing migration back whole, leaving it pending', async () => {
    const broken: Migration = {
      version: 999,
      name: 'broken',
      file: '999_broken.sql',
      sql: 'CREATE TABLE half_done (x int); SELECT * FROM no_such_table;',
      checksum: 'x',
    };
    await assert.rejects(migrate(fixture.pool, fixture.schema, [...loadMigrations(), broken]), {
      code: 'VIGIL_DATABASE_MIGRATION_FAILED',
      message: /999_broken\.sql failed/,
    });
    assert.ok(!(await tables(fixture)).includes('half_done'));
    const status = await migrationStatus(fixture.pool, [...loadMigrations(), broken]);
    assert.deepEqual(
      status.pending.map((m) => m.version),
      [999],
    );
  });
});

describe('sink migrations run by two runners at once', () => {
  let fixture: StoreFixture;
  before(async () => {
    fixture = await storeFixture({ migrated: false });
  });
  after(() => fixture.cleanup());

  it('apply each migration exactly once', async () => {
    const other = createPool({
      url: stackEnv.databaseUrl,
      schema: fixture.schema,
      max: 1,
      applicationName: 'vigil-sink-test',
    });
    try {
      const results = await Promise.all([
        migrate(fixture.pool, fixture.schema, loadMigrations()),
        migrate(other, fixture.schema, loadMigrations()),
      ]);
      const applied = results.flatMap((r) => r.applied.map((m) => m.version)).sort((a, b) => a - b);
      assert.deepEqual(
        applied,
        loadMigrations().map((m) => m.version),
      );
      const rows = await fixture.pool.query('SELECT version FROM schema_migrations');
      assert.equal(rows.rowCount, loadMigrations().length);
    } finally {
      await other.end();
    }
  });
});

describe('sink migrations through the command', () => {
  let fixture: StoreFixture;
  before(async () => {
    fixture = await storeFixture({ migrated: false });
  });
  after(() => fixture.cleanup());

  it('`migrate.ts` applies, then reports nothing pending', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const run = promisify(execFile);
    const env = { ...process.env, DATABASE_URL: stackEnv.databaseUrl, SINK_DB_SCHEMA: fixture.schema };
    const script = new URL('../../../../services/sink/src/migrate.ts', import.meta.url).pathname;
    const first = await run(process.execPath, ['--import', 'tsx', script], { env });
    assert.match(first.stdout, new RegExp(`${loadMigrations().length} migration\\(s\\) applied, 0 already there`));
    const second = await run(process.execPath, ['--import', 'tsx', script], { env });
    assert.match(second.stdout, new RegExp(`0 migration\\(s\\) applied, ${loadMigrations().length} already there`));
    const status = await run(process.execPath, ['--import', 'tsx', script, '--status'], { env });
    assert.doesNotMatch(status.stdout, /pending/);
  });
});
