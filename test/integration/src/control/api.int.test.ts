import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { API_PREFIX, CONTROL_ROUTES } from '@vigil/control-api';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { type ControlFixture, controlFixture } from './fixture.ts';

async function raw(fixture: ControlFixture, path: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  const response = await fetch(`${fixture.url}${path}`, { ...init, headers });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
    text,
  };
}

describe('control API: errors, limits, tokens, paging, documents', () => {
  let fixture: ControlFixture;
  before(async () => {
    fixture = await controlFixture({ CONTROL_BODY_LIMIT: '4096' });
  });
  after(() => fixture?.cleanup());

  it('answers a bad body with 400 VIGIL_CONTROL_BAD_REQUEST naming the fields', async () => {
    const response = await raw(fixture, `${API_PREFIX}/roles`, {
      method: 'POST',
      token: fixture.adminToken,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bad Name', rights: ['fly'] }),
    });
    assert.equal(response.status, 400);
    assert.equal(response.body?.code, 'VIGIL_CONTROL_BAD_REQUEST');
    const paths = ((response.body?.issues ?? []) as { path: string }[]).map((i) => i.path).sort();
    assert.deepEqual(paths, ['body.name', 'body.rights.0']);
    const malformed = await raw(fixture, `${API_PREFIX}/roles`, {
      method: 'POST',
      token: fixture.adminToken,
      headers: { 'content-type': 'application/json' },
      body: '{"name": ',
    });
    assert.deepEqual([malformed.status, malformed.body?.code], [400, 'VIGIL_CONTROL_BAD_REQUEST']);
  });

  it('caps bodies: 413 VIGIL_CONTROL_BODY_TOO_LARGE past CONTROL_BODY_LIMIT; 415 for another media type', async () => {
    const big = { name: 'big', rights: ['view'], description: 'x'.repeat(5_000) };
    const response = await raw(fixture, `${API_PREFIX}/roles`, {
      method: 'POST',
      token: fixture.adminToken,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(big),
    });
    assert.ok(JSON.stringify(big).length > 4096);
    assert.deepEqual([response.status, response.body?.code], [413, 'VIGIL_CONTROL_BODY_TOO_LARGE']);
    const text = await raw(fixture, `${API_PREFIX}/roles`, {
      method: 'POST',
      token: fixture.adminToken,
      headers: { 'content-type': 'text/plain' },
      body: 'role',
    });
    assert.deepEqual([text.status, text.body?.code], [415, 'VIGIL_CONTROL_UNSUPPORTED_MEDIA_TYPE']);
  });

  it('answers 401 without a bearer or with an unknown one, and 404 JSON for an unknown route', async () => {
    const none = await raw(fixture, `${API_PREFIX}/me`);
    assert.deepEqual([none.status, none.body?.code], [401, 'VIGIL_CONTROL_UNAUTHENTICATED']);
    const unknown = await raw(fixture, `${API_PREFIX}/me`, { token: `vgl_${'A'.repeat(43)}` });
    assert.deepEqual(
      [unknown.status, unknown.body?.code, unknown.body?.message],
      [401, 'VIGIL_CONTROL_UNAUTHENTICATED', 'unknown token'],
    );
    const missing = await raw(fixture, `${API_PREFIX}/nothing-here`, { token: fixture.adminToken });
    assert.deepEqual([missing.status, missing.body?.code], [404, 'VIGIL_CONTROL_NOT_FOUND']);
  });

  it('stores tokens hashed, records their last use, and a revoked token is refused at once', async () => {
    const user = await fixture.userWith(['view']);
    const stored = await fixture.pool.query<{ token_hash: Buffer; prefix: string }>(
      `SELECT t.token_hash, t.prefix FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.name = $1`,
      [user.name],
    );
    assert.equal(stored.rowCount, 1);
    assert.ok(!stored.rows[0]?.token_hash.toString('utf8').includes(user.token));
    assert.ok(user.token.startsWith(stored.rows[0]?.prefix as string));
    const [before] = (await user.client.call('listTokens', {})).items;
    assert.ok(before?.lastUsedAt, 'listing used the token, so it has a last-used time');
    const me = await user.client.call('me', {});
    assert.deepEqual([me.user.name, me.via, me.user.rights], [user.name, 'token', ['view']]);
    const revoked = await user.client.call('revokeToken', { params: { id: before.id } });
    assert.ok(revoked.revokedAt);
    await assert.rejects(user.client.call('me', {}), {
      status: 401,
      code: 'VIGIL_CONTROL_UNAUTHENTICATED',
      message: 'the token is revoked',
    });
  });

  it('pages users by name with a cursor, never more than the limit, and refuses a forged cursor', async () => {
    const names = ['p-a', 'p-b', 'p-c', 'p-d', 'p-e'];
    for (const name of names) await fixture.admin.call('createUser', { body: { name } });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = await fixture.admin.call('listUsers', { query: { limit: 2, cursor } });
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((u) => u.name));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    assert.deepEqual(
      seen.filter((n) => n.startsWith('p-')),
      names,
    );
    assert.deepEqual(seen, [...seen].sort());
    await assert.rejects(fixture.admin.call('listUsers', { query: { cursor: 'forged' } }), {
      status: 400,
      code: 'VIGIL_CONTROL_BAD_REQUEST',
    });
    await assert.rejects(fixture.admin.call('listUsers', { query: { limit: 501 } }), {
      status: 400,
      code: 'VIGIL_CONTROL_BAD_REQUEST',
    });
  });

  it('serves an OpenAPI document with every route, to an authenticated caller', async () => {
    assert.equal((await raw(fixture, `${API_PREFIX}/openapi.json`)).status, 401);
    const doc = await raw(fixture, `${API_PREFIX}/openapi.json`, { token: fixture.adminToken });
    assert.equal(doc.status, 200);
    assert.match(String(doc.body?.openapi), /^3\./);
    const paths = doc.body?.paths as Record<string, Record<string, { operationId: string }>>;
    const operations = Object.values(paths).flatMap((methods) => Object.values(methods).map((m) => m.operationId));
    assert.deepEqual(operations.sort(), Object.keys(CONTROL_ROUTES).sort());
  });

  it('serves /healthz, /readyz and /metrics without a token', async () => {
    assert.equal((await raw(fixture, '/healthz')).status, 200);
    const ready = await raw(fixture, '/readyz');
    assert.deepEqual([ready.status, (ready.body?.checks as Record<string, string> | undefined)?.postgres], [200, 'ok']);
    const metrics = await fetch(`${fixture.url}/metrics`);
    assert.match(await metrics.text(), /vigil_process_cpu_seconds_total\{service="control"\}/);
  });

  it('bootstraps only once, and only with the bootstrap token', async () => {
    await assert.rejects(fixture.client('wrong-token').call('bootstrap', { body: { name: 'again' } }), {
      status: 401,
      code: 'VIGIL_CONTROL_UNAUTHENTICATED',
    });
    await assert.rejects(fixture.client(fixture.bootstrapToken).call('bootstrap', { body: { name: 'again' } }), {
      status: 409,
      code: 'VIGIL_CONTROL_BOOTSTRAP_CLOSED',
    });
  });

  it('refuses to leave no administrator: 409 VIGIL_CONTROL_LAST_ADMIN, nothing changed', async () => {
    await assert.rejects(
      fixture.admin.call('updateUser', { params: { name: 'root-admin' }, body: { disabled: true } }),
      {
        status: 409,
        code: 'VIGIL_CONTROL_LAST_ADMIN',
      },
    );
    await assert.rejects(fixture.admin.call('deleteRole', { params: { name: 'administrator' } }), {
      status: 409,
      code: 'VIGIL_CONTROL_LAST_ADMIN',
    });
    const me = await fixture.admin.call('me', {});
    assert.deepEqual([me.user.disabled, me.user.roles], [false, ['administrator']]);
  });
});

describe('control API with OIDC: JWTs of the configured issuer name existing users', () => {
  let fixture: ControlFixture;
  let jwks: Server;
  let sign: (claims: Record<string, unknown>, options?: { issuer?: string; audience?: string }) => Promise<string>;
  const issuer = 'https://id.vigil.test';

  before(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    // A real HTTP JWKS endpoint, as an identity provider serves one.
    jwks = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
    sign = (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? 'vigil-control')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
    fixture = await controlFixture({
      CONTROL_OIDC_ISSUER: issuer,
      CONTROL_OIDC_JWKS_URL: jwksUrl,
      CONTROL_OIDC_AUDIENCE: 'vigil-control',
    });
  });
  after(async () => {
    await fixture?.cleanup();
    jwks?.close();
  });

  it('maps preferred_username to the user, and refuses other issuers, audiences and unknown users', async () => {
    const user = await fixture.userWith(['view'], 'oidc-alice');
    const me = await fixture.client(await sign({ preferred_username: user.name })).call('me', {});
    assert.deepEqual([me.user.name, me.via], ['oidc-alice', 'oidc']);
    for (const token of [
      await sign({ preferred_username: user.name }, { issuer: 'https://evil.test' }),
      await sign({ preferred_username: user.name }, { audience: 'other' }),
      await sign({ preferred_username: 'nobody' }),
      await sign({ sub: 'no-name-claim' }),
    ]) {
      await assert.rejects(fixture.client(token).call('me', {}), {
        status: 401,
        code: 'VIGIL_CONTROL_UNAUTHENTICATED',
      });
    }
  });
});
