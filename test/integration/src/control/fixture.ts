import { randomBytes, randomUUID } from 'node:crypto';
import { type ControlClient, createControlClient, RIGHTS, type Right } from '@vigil/control-api';
import { createPool } from '@vigil/postgres';
import { freePort, type ServiceProcess, stackEnv, startService, waitFor } from '@vigil/test-kit';
import type pg from 'pg';

export interface ControlFixture {
  url: string;
  schema: string;
  /** Direct reads of the service's tables, for assertions only (the service itself is called over HTTP). */
  pool: pg.Pool;
  service: ServiceProcess;
  bootstrapToken: string;
  /** The administrator bootstrap made, with their token. */
  admin: ControlClient;
  adminToken: string;
  client(token?: string): ControlClient;
  /** A user holding a role of exactly `rights` (none: a role-less user), and their token. */
  userWith(rights: readonly Right[], name?: string): Promise<{ name: string; token: string; client: ControlClient }>;
  cleanup(): Promise<void>;
}

/**
 * The real control service on a free port against a fresh schema
 * `control_<uuid>` of the real PostgreSQL, bootstrapped with an administrator;
 * cleanup stops it and drops the schema.
 */
export async function controlFixture(env: Record<string, string> = {}): Promise<ControlFixture> {
  const schema = `control_${randomUUID().replaceAll('-', '')}`;
  const port = await freePort();
  const bootstrapToken = randomBytes(32).toString('hex');
  const url = `http://127.0.0.1:${port}`;
  const service = startService('control', {
    DATABASE_URL: stackEnv.databaseUrl,
    CONTROL_DB_SCHEMA: schema,
    CONTROL_PORT: String(port),
    CONTROL_BOOTSTRAP_TOKEN: bootstrapToken,
    ...env,
  });
  const pool = createPool({ url: stackEnv.databaseUrl, schema, max: 2, applicationName: 'vigil-control-test' });
  pool.on('error', () => undefined);
  const cleanup = async () => {
    await service.kill();
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  };
  try {
    await waitFor(
      'the control service to be ready',
      async () => {
        if (service.child.exitCode !== null) throw new Error(`control exited: ${service.output()}`);
        const response = await fetch(`${url}/readyz`).catch(() => undefined);
        return response?.ok ? true : undefined;
      },
      60_000,
      200,
    );
    const client = (token?: string) => createControlClient({ baseUrl: url, token });
    const boot = await client(bootstrapToken).call('bootstrap', { body: { name: 'root-admin' } });
    const admin = client(boot.token.token);
    const userWith = async (rights: readonly Right[], name = `u-${randomUUID().slice(0, 8)}`) => {
      const roles: string[] = [];
      if (rights.length > 0) {
        const role = await admin.call('createRole', {
          body: { name: `r-${randomUUID().slice(0, 8)}`, rights: [...rights] },
        });
        roles.push(role.name);
      }
      await admin.call('createUser', { body: { name, roles } });
      const token = (await admin.call('createToken', { body: { name: 'test', user: name } })).token;
      return { name, token, client: client(token) };
    };
    return {
      url,
      schema,
      pool,
      service,
      bootstrapToken,
      admin,
      adminToken: boot.token.token,
      client,
      userWith,
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

export const ALL_RIGHTS: readonly Right[] = RIGHTS;

/** A valid markup body, with a unique name. */
export function markupBody(name = `m-${randomUUID().slice(0, 8)}`) {
  return {
    name,
    scope: { kind: 'pattern' as const, pattern: 'valve1/*' },
    signals: ['Pressure', 'Temperature'],
    intervals: [
      { from: '2024-01-01T00:00:00Z', to: '2024-01-01T06:00:00Z', kind: 'normal' as const },
      { from: '2024-01-01T06:00:00Z', to: '2024-01-01T07:00:00Z', kind: 'anomalous' as const },
    ],
  };
}

/** The audit rows of the fixture's schema, newest first, read directly. */
export async function auditRows(fixture: ControlFixture, where: { action?: string; actor?: string } = {}) {
  const rows = await fixture.pool.query<{
    actor: string | null;
    action: string;
    target_type: string;
    target_id: string | null;
    before: unknown;
    after: unknown;
    outcome: string;
    code: string | null;
  }>(
    `SELECT actor, action, target_type, target_id, before, after, outcome, code FROM audit
     WHERE ($1::text IS NULL OR action = $1) AND ($2::text IS NULL OR actor = $2) ORDER BY id DESC`,
    [where.action ?? null, where.actor ?? null],
  );
  return rows.rows;
}
