import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every API token starts with this, so a bearer is told from a JWT at a glance (and secret scanners can find leaked ones). */
export const TOKEN_PREFIX = 'vgl_';

/** 32 random bytes (256 bits), base64url: `vgl_` + 43 characters. */
export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function isApiToken(bearer: string): boolean {
  return bearer.startsWith(TOKEN_PREFIX) && bearer.length === TOKEN_PREFIX.length + 43;
}

/**
 * What the database keeps instead of the token: SHA-256. A slow, salted hash
 * (bcrypt, argon2) is for passwords, which people choose and which can be
 * guessed; a token is 256 random bits, so no guess list exists and one fast
 * hash is as safe, lets the lookup be one indexed equality, and costs
 * microseconds per request instead of the tens of milliseconds a KDF would.
 */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** What a listing shows of a token: enough to recognise it, far too little to use it. */
export function tokenDisplayPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + 6);
}

/** Compares two secrets in constant time (through their digests, so lengths may differ). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(hashToken(a), hashToken(b));
}
