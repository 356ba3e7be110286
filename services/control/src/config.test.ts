import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { httpSettings, parseConfig } from '@vigil/config';
import { checkControlConfig, controlEnv } from './config.ts';

const parse = (env: Record<string, string>) => parseConfig(controlEnv, env, { check: checkControlConfig });

describe('control config', () => {
  it('defaults to the schema control on port 9410, with no OIDC and no bootstrap token', () => {
    const config = parse({});
    assert.equal(config.CONTROL_DB_SCHEMA, 'control');
    assert.deepEqual(httpSettings(config, 'CONTROL'), {
      logLevel: 'info',
      host: '127.0.0.1',
      port: 9410,
      bodyLimit: 1_048_576,
      graceMs: 15_000,
    });
    assert.equal(config.CONTROL_OIDC_ISSUER, undefined);
    assert.equal(config.CONTROL_BOOTSTRAP_TOKEN, undefined);
  });

  it('needs the JWKS URL and audience with an issuer, and neither without', () => {
    assert.throws(() => parse({ CONTROL_OIDC_ISSUER: 'https://id.example' }), {
      code: 'VIGIL_CONFIG_INVALID',
      message: /CONTROL_OIDC_JWKS_URL: required[\s\S]*CONTROL_OIDC_AUDIENCE: required/,
    });
    assert.throws(() => parse({ CONTROL_OIDC_AUDIENCE: 'vigil' }), {
      message: /CONTROL_OIDC_AUDIENCE: set CONTROL_OIDC_ISSUER/,
    });
    const oidc = parse({
      CONTROL_OIDC_ISSUER: 'https://id.example',
      CONTROL_OIDC_JWKS_URL: 'https://id.example/jwks',
      CONTROL_OIDC_AUDIENCE: 'vigil',
    });
    assert.equal(oidc.CONTROL_OIDC_USER_CLAIM, 'preferred_username');
  });

  it('refuses a short bootstrap token, and a token and a file together', () => {
    assert.throws(() => parse({ CONTROL_BOOTSTRAP_TOKEN: 'short' }), {
      message: /CONTROL_BOOTSTRAP_TOKEN: at least 32/,
    });
    assert.throws(() => parse({ CONTROL_BOOTSTRAP_TOKEN: 'x'.repeat(32), CONTROL_BOOTSTRAP_TOKEN_FILE: '/tmp/t' }), {
      message: /not both/,
    });
  });
});
