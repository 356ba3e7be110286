import { orExit } from '@vigil/config';
import { createPool, prepareSchema } from '@vigil/postgres';
import { runHttpService } from '@vigil/service';
import { registerControlApi } from './app.ts';
import { createAuthenticator } from './auth.ts';
import { checkControlConfig, controlEnv } from './config.ts';
import { bootstrapToken, controlMigrations, oidcSettings, SERVICE_VERSION } from './setup.ts';

/** Wiring only: the pool and migrations, then the API on the shared HTTP service wiring (@vigil/service). */
await runHttpService({
  name: 'control',
  env: controlEnv,
  check: checkControlConfig,
  async start({ config, logger, lifecycle, app }) {
    const token = orExit(() => bootstrapToken(config));
    const schema = config.CONTROL_DB_SCHEMA;
    const pool = createPool({
      url: config.DATABASE_URL,
      schema,
      max: config.CONTROL_DB_POOL_MAX,
      applicationName: 'vigil-control',
    });
    pool.on('error', (err) => logger.debug({ err }, 'idle PostgreSQL connection lost'));
    lifecycle.onClose('postgres pool', () => pool.end());
    const migrations = controlMigrations();
    await prepareSchema(pool, { schema, migrations, migrate: true }, { logger, lifecycle });
    const authenticator = createAuthenticator(pool, oidcSettings(config));
    await registerControlApi(app, { pool, bootstrapToken: token, authenticator, version: SERVICE_VERSION });
    return {
      readiness: async () => {
        await pool.query('SELECT 1');
        return { ready: true, checks: { postgres: 'ok' } };
      },
      describe: { schema, oidc: config.CONTROL_OIDC_ISSUER ?? null, bootstrap: token !== undefined },
    };
  },
});
