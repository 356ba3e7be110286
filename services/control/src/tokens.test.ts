import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateToken, hashToken, isApiToken, sameSecret, TOKEN_PREFIX, tokenDisplayPrefix } from './tokens.ts';

describe('API tokens', () => {
  it('are vgl_ and 43 base64url characters (256 random bits), never the same twice', () => {
    const tokens = new Set(Array.from({ length: 1_000 }, generateToken));
    assert.equal(tokens.size, 1_000);
    for (const token of tokens) {
      assert.match(token, /^vgl_[A-Za-z0-9_-]{43}$/);
      assert.ok(isApiToken(token));
    }
    assert.equal(isApiToken('vgl_short'), false);
    assert.equal(isApiToken('eyJhbGciOiJSUzI1NiJ9.e30.sig'), false);
  });

  it('are stored as their SHA-256, and shown by a prefix too short to use', () => {
    const token = generateToken();
    assert.deepEqual(hashToken(token), createHash('sha256').update(token).digest());
    assert.equal(hashToken(token).length, 32);
    assert.notDeepEqual(hashToken(token), hashToken(generateToken()));
    assert.equal(tokenDisplayPrefix(token), token.slice(0, TOKEN_PREFIX.length + 6));
  });

  it('compare as secrets whatever their lengths', () => {
    assert.ok(sameSecret('a'.repeat(40), 'a'.repeat(40)));
    assert.equal(sameSecret('a'.repeat(40), 'a'.repeat(41)), false);
    assert.equal(sameSecret('a'.repeat(40), ''), false);
  });
});
