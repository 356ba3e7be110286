import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configInvalid } from '@vigil/config';
import { loadMigrations, type Migration } from '@vigil/postgres';
import { createRemoteJWKSet } from 'jose';
import type { OidcSettings } from './auth.ts';
import type { ControlConfig } from './config.ts';

/** `services/control/migrations`. */
export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../migrations');

/** The OpenAPI document's version: this package's. */
export const SERVICE_VERSION = '0.1.0';

export function controlMigrations(): Migration[] {
  return loadMigrations(MIGRATIONS_DIR);
}

/** The bootstrap token from CONTROL_BOOTSTRAP_TOKEN or the file CONTROL_BOOTSTRAP_TOKEN_FILE names; a short or missing file fails like a bad setting. */
export function bootstrapToken(config: ControlConfig): string | undefined {
  if (config.CONTROL_BOOTSTRAP_TOKEN !== undefined) return config.CONTROL_BOOTSTRAP_TOKEN;
  const file = config.CONTROL_BOOTSTRAP_TOKEN_FILE;
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw configInvalid([
      { key: 'CONTROL_BOOTSTRAP_TOKEN_FILE', message: `cannot read ${file}: ${(error as Error).message}` },
    ]);
  }
  if (text.length < 32) {
    throw configInvalid([
      { key: 'CONTROL_BOOTSTRAP_TOKEN_FILE', message: `${file} must hold a token of at least 32 characters` },
    ]);
  }
  return text;
}

/** OIDC when an issuer is configured (checkControlConfig made sure the JWKS URL and audience are there too). */
export function oidcSettings(config: ControlConfig): OidcSettings | undefined {
  const { CONTROL_OIDC_ISSUER: issuer, CONTROL_OIDC_JWKS_URL: jwks, CONTROL_OIDC_AUDIENCE: audience } = config;
  if (issuer === undefined || jwks === undefined || audience === undefined) return undefined;
  return { issuer, audience, userClaim: config.CONTROL_OIDC_USER_CLAIM, keys: createRemoteJWKSet(new URL(jwks)) };
}
