import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ControlFixture, controlFixture } from './fixture.ts';

describe('control audit: users and roles, listed and filtered through the API', () => {
  let fixture: ControlFixture;
  before(async () => {
    fixture = await controlFixture();
  });
  after(() => fixture?.cleanup());

  it('records create, update and delete of roles and users with before → after', async () => {
    const t0 = new Date().toISOString();
    await fixture.admin.call('createRole', { body: { name: 'publisher', rights: ['view', 'publish'] } });
    await fixture.admin.call('updateRole', {
      params: { name: 'publisher' },
      body: { rights: ['publish', 'prepare', 'view'] },
    });
    await fixture.admin.call('createUser', { body: { name: 'pat', roles: ['publisher'] } });
    await fixture.admin.call('updateUser', { params: { name: 'pat' }, body: { disabled: true } });
    await fixture.admin.call('deleteUser', { params: { name: 'pat' } });
    await fixture.admin.call('deleteRole', { params: { name: 'publisher' } });

    const page = await fixture.admin.call('listAudit', { query: { actor: 'root-admin', from: t0 } });
    assert.deepEqual(
      page.items.map((e) => [e.action, e.targetType, e.targetId, e.outcome]),
      [
        ['role.delete', 'role', 'publisher', 'ok'],
        ['user.delete', 'user', 'pat', 'ok'],
        ['user.update', 'user', 'pat', 'ok'],
        ['user.create', 'user', 'pat', 'ok'],
        ['role.update', 'role', 'publisher', 'ok'],
        ['role.create', 'role', 'publisher', 'ok'],
      ],
    );
    const byAction = new Map(page.items.map((e) => [e.action, e]));
    const rights = (value: unknown) => (value as { rights: string[] }).rights;
    assert.deepEqual(rights(byAction.get('role.update')?.before), ['view', 'publish']);
    assert.deepEqual(rights(byAction.get('role.update')?.after), ['view', 'prepare', 'publish']);
    const disabled = (value: unknown) => (value as { disabled: boolean }).disabled;
    assert.deepEqual(
      [disabled(byAction.get('user.update')?.before), disabled(byAction.get('user.update')?.after)],
      [false, true],
    );
    assert.deepEqual(
      [
        byAction.get('user.create')?.before,
        (byAction.get('user.create')?.after as { rights: string[] } | undefined)?.rights,
      ],
      [null, ['view', 'prepare', 'publish']],
    );
    assert.equal(byAction.get('user.delete')?.after, null);
    assert.equal((byAction.get('role.delete')?.before as { name: string } | undefined)?.name, 'publisher');
  });

  it('filters by action, target, outcome and time, and pages newest first', async () => {
    const user = await fixture.userWith(['view']);
    await assert.rejects(user.client.call('listAudit', {}), { status: 403, code: 'VIGIL_CONTROL_FORBIDDEN' });
    const denied = await fixture.admin.call('listAudit', { query: { outcome: 'denied', actor: user.name } });
    assert.deepEqual(
      denied.items.map((e) => [e.action, e.code]),
      [['audit.list', 'VIGIL_CONTROL_FORBIDDEN']],
    );
    const forUser = await fixture.admin.call('listAudit', { query: { targetType: 'user', targetId: user.name } });
    assert.deepEqual(
      forUser.items.map((e) => e.action),
      ['user.create'],
    );
    const future = await fixture.admin.call('listAudit', {
      query: { from: new Date(Date.now() + 60_000).toISOString() },
    });
    assert.deepEqual(future.items, []);

    const all: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await fixture.admin.call('listAudit', { query: { limit: 3, cursor } });
      assert.ok(page.items.length <= 3);
      all.push(...page.items.map((e) => e.id));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    const ids = all.map(Number);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => b - a),
    );
    assert.equal(new Set(ids).size, ids.length);
    const count = await fixture.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit');
    assert.equal(ids.length, count.rows[0]?.n);
  });
});
