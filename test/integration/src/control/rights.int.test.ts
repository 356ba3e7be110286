import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  CONTROL_ROUTES,
  ControlApiError,
  type ControlClient,
  type RouteName,
  type RouteSpec,
} from '@vigil/control-api';
import { ALL_RIGHTS, auditRows, type ControlFixture, controlFixture, markupBody } from './fixture.ts';

const ROUTES = Object.entries(CONTROL_ROUTES) as [RouteName, RouteSpec][];

/** A call of `route` with plausible inputs; what matters is the right it needs, checked before the inputs are. */
function callOf(client: ControlClient, route: RouteName, spec: RouteSpec) {
  const params: Record<string, unknown> = {};
  for (const key of spec.path.matchAll(/:([a-z]+)/g)) {
    params[key[1] as string] = key[1] === 'id' ? randomUUID() : key[1] === 'version' ? 1 : 'someone';
  }
  const body =
    spec.method === 'POST' || spec.method === 'PUT' || spec.method === 'PATCH'
      ? { ...markupBody(), version: 1 }
      : undefined;
  const query = spec.method === 'DELETE' && route === 'deleteMarkup' ? { version: 1 } : undefined;
  return client.call(route, { params, body, query } as never);
}

async function statusOf(call: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await call;
    return { status: 200, code: 'ok' };
  } catch (error) {
    if (error instanceof ControlApiError) return { status: error.status, code: error.code };
    throw error;
  }
}

describe('control rights: every route that needs a right refuses a caller without it', () => {
  let fixture: ControlFixture;
  before(async () => {
    fixture = await controlFixture();
  });
  after(() => fixture?.cleanup());

  const needed = [...new Set(ROUTES.map(([, spec]) => spec.right).filter((r) => r !== null))];

  for (const right of needed) {
    it(`without ${right}: 403 VIGIL_CONTROL_FORBIDDEN and a denied audit row, for each route that needs it`, async () => {
      const user = await fixture.userWith(ALL_RIGHTS.filter((r) => r !== right));
      const holder = await fixture.userWith([right]);
      for (const [route, spec] of ROUTES.filter(([, s]) => s.right === right)) {
        const refused = await statusOf(callOf(user.client, route, spec));
        assert.deepEqual(refused, { status: 403, code: 'VIGIL_CONTROL_FORBIDDEN' }, `${route} without ${right}`);
        const [row] = await auditRows(fixture, { actor: user.name, action: spec.action });
        assert.ok(row, `${route}: an audit row`);
        assert.equal(row.outcome, 'denied');
        assert.equal(row.code, 'VIGIL_CONTROL_FORBIDDEN');
        assert.equal(row.target_type, spec.action.split('.')[0]);
        // The same call by someone holding only that right passes the check (it may still be a 400 or 404).
        const allowed = await statusOf(callOf(holder.client, route, spec));
        assert.notEqual(allowed.status, 403, `${route} with ${right}: ${allowed.code}`);
      }
    });
  }

  it("refuses another user's tokens without administer, and audits it", async () => {
    const user = await fixture.userWith(['view']);
    await assert.rejects(user.client.call('listTokens', { query: { user: 'root-admin' } }), {
      status: 403,
      code: 'VIGIL_CONTROL_FORBIDDEN',
    });
    await assert.rejects(user.client.call('createToken', { body: { name: 'x', user: 'root-admin' } }), {
      status: 403,
      code: 'VIGIL_CONTROL_FORBIDDEN',
    });
    const rows = await auditRows(fixture, { actor: user.name });
    assert.deepEqual(
      rows.map((r) => [r.action, r.target_id, r.outcome]),
      [
        ['token.create', 'root-admin', 'denied'],
        ['token.list', 'root-admin', 'denied'],
      ],
    );
    // Their own tokens need no right.
    const own = await user.client.call('listTokens', {});
    assert.equal(own.items.length, 1);
  });

  it('gives administer nothing else: an administrator without publish or edit_markups is refused markups', async () => {
    await assert.rejects(fixture.admin.call('createMarkup', { body: markupBody() }), {
      status: 403,
      code: 'VIGIL_CONTROL_FORBIDDEN',
    });
  });
});
