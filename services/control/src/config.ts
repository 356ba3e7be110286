import { type ConfigIssue, connectionEnv, httpEnv, intFromEnv, z } from '@vigil/config';

/** A schema name the service may set as search_path: plain identifiers only. */
const schemaName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier such as control');
const optionalUrl = z.url().optional();

/** Every control setting; the README's options table lists the same names. */
export const controlEnv = {
  // LOG_LEVEL, CONTROL_HOST (127.0.0.1), CONTROL_PORT (9410), CONTROL_BODY_LIMIT (1 MiB), CONTROL_SHUTDOWN_GRACE (15s)
  ...httpEnv('CONTROL', { port: 9410 }),
  DATABASE_URL: connectionEnv.DATABASE_URL,
  CONTROL_DB_SCHEMA: schemaName.default('control'),
  CONTROL_DB_POOL_MAX: intFromEnv(1, 64).default(8),
  /** The bootstrap token itself; or CONTROL_BOOTSTRAP_TOKEN_FILE, a file holding it (what scripts/services.sh writes). */
  CONTROL_BOOTSTRAP_TOKEN: z.string().min(32, 'at least 32 characters').optional(),
  CONTROL_BOOTSTRAP_TOKEN_FILE: z.string().min(1).optional(),
  CONTROL_OIDC_ISSUER: optionalUrl,
  CONTROL_OIDC_JWKS_URL: optionalUrl,
  CONTROL_OIDC_AUDIENCE: z.string().min(1).optional(),
  /** The JWT claim whose value is a user's name. */
  CONTROL_OIDC_USER_CLAIM: z.string().min(1).default('preferred_username'),
} as const;

export type ControlConfig = Readonly<z.infer<z.ZodObject<typeof controlEnv>>>;

/** OIDC is on with an issuer, and then needs where its keys are and which audience to accept. */
export function checkControlConfig(config: ControlConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const oidc = config.CONTROL_OIDC_ISSUER !== undefined;
  if (oidc && config.CONTROL_OIDC_JWKS_URL === undefined)
    issues.push({ key: 'CONTROL_OIDC_JWKS_URL', message: 'required when CONTROL_OIDC_ISSUER is set' });
  if (oidc && config.CONTROL_OIDC_AUDIENCE === undefined)
    issues.push({ key: 'CONTROL_OIDC_AUDIENCE', message: 'required when CONTROL_OIDC_ISSUER is set' });
  for (const key of ['CONTROL_OIDC_JWKS_URL', 'CONTROL_OIDC_AUDIENCE'] as const)
    if (!oidc && config[key] !== undefined) issues.push({ key, message: 'set CONTROL_OIDC_ISSUER too, or unset it' });
  if (config.CONTROL_BOOTSTRAP_TOKEN !== undefined && config.CONTROL_BOOTSTRAP_TOKEN_FILE !== undefined)
    issues.push({
      key: 'CONTROL_BOOTSTRAP_TOKEN',
      message: 'give the token or CONTROL_BOOTSTRAP_TOKEN_FILE, not both',
    });
  return issues;
}
