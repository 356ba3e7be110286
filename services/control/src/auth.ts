import { type JWTVerifyGetKey, jwtVerify } from 'jose';
import type pg from 'pg';
import { query } from './db.ts';
import { controlError } from './errors.ts';
import { findUser, type UserView } from './identity/users.ts';
import type { Principal } from './principal.ts';
import { hashToken, isApiToken } from './tokens.ts';

export interface OidcSettings {
  issuer: string;
  audience: string;
  /** The claim whose value is a user's name (`preferred_username`, `email`, `sub`). */
  userClaim: string;
  /** The issuer's keys: `createRemoteJWKSet(jwksUrl)` in the service, a local set in tests. */
  keys: JWTVerifyGetKey;
}

export interface Authenticator {
  /** The principal a bearer stands for, or VIGIL_CONTROL_UNAUTHENTICATED saying why not. */
  authenticate(bearer: string): Promise<Principal>;
}

const unauthenticated = (reason: string) => controlError('VIGIL_CONTROL_UNAUTHENTICATED', reason);

/** The bearer of an `Authorization: Bearer …` header, or undefined. */
export function bearerOf(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function principalOf(user: UserView, via: Principal['via'], tokenId?: string): Principal {
  if (user.disabled) throw unauthenticated(`user ${user.name} is disabled`);
  return { userId: user.id, name: user.name, rights: user.rights, via, ...(tokenId ? { tokenId } : {}) };
}

/**
 * API tokens (`vgl_…`) are looked up by their hash; with OIDC configured, any
 * other bearer is verified as a JWT from the issuer (signature by its JWKS,
 * `iss`, `aud`, `exp`) and its user claim names a user created beforehand:
 * an identity provider proves who someone is, the control plane decides what
 * they may do, so nobody gets rights by merely logging in.
 */
export function createAuthenticator(pool: pg.Pool, oidc: OidcSettings | undefined): Authenticator {
  async function byToken(token: string): Promise<Principal> {
    const rows = await query<{ id: string; user_id: string; expired: boolean; revoked: boolean }>(
      pool,
      `SELECT id, user_id, expires_at <= now() AS expired, revoked_at IS NOT NULL AS revoked
       FROM api_tokens WHERE token_hash = $1`,
      [hashToken(token)],
    );
    const row = rows[0];
    if (!row) throw unauthenticated('unknown token');
    if (row.revoked) throw unauthenticated('the token is revoked');
    if (row.expired) throw unauthenticated('the token has expired');
    const user = await findUser(pool, { id: row.user_id });
    if (!user) throw unauthenticated('unknown token');
    // Minute resolution is enough to tell a live token from a forgotten one, and spares a write per request.
    await query(
      pool,
      `UPDATE api_tokens SET last_used_at = now()
       WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [row.id],
    );
    return principalOf(user, 'token', row.id);
  }

  async function byJwt(jwt: string, settings: OidcSettings): Promise<Principal> {
    let claim: unknown;
    try {
      const { payload } = await jwtVerify(jwt, settings.keys, { issuer: settings.issuer, audience: settings.audience });
      claim = payload[settings.userClaim];
    } catch (error) {
      throw unauthenticated(`the JWT was not accepted: ${(error as Error).message}`);
    }
    if (typeof claim !== 'string' || claim === '') throw unauthenticated(`the JWT has no ${settings.userClaim} claim`);
    const user = await findUser(pool, { name: claim });
    if (!user) throw unauthenticated(`no user named ${claim} (an administrator creates users before they sign in)`);
    return principalOf(user, 'oidc');
  }

  return {
    authenticate(bearer) {
      if (isApiToken(bearer)) return byToken(bearer);
      if (oidc) return byJwt(bearer, oidc);
      return Promise.reject(unauthenticated('not an API token, and no OIDC issuer is configured'));
    },
  };
}
