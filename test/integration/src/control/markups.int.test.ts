import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ControlApiError, type ControlClient } from '@vigil/control-api';
import { auditRows, type ControlFixture, controlFixture, markupBody } from './fixture.ts';

describe('control markups: versions, history, conflicts, rules', () => {
  let fixture: ControlFixture;
  let editor: { name: string; client: ControlClient };
  before(async () => {
    fixture = await controlFixture();
    editor = await fixture.userWith(['view', 'edit_markups']);
  });
  after(() => fixture?.cleanup());

  it('keeps every version: the current one by id, the earlier ones in the history, newest first', async () => {
    const body = markupBody();
    const v1 = await editor.client.call('createMarkup', { body });
    assert.deepEqual([v1.version, v1.name, v1.updatedBy, v1.intervals.length], [1, body.name, editor.name, 2]);
    const v2 = await editor.client.call('updateMarkup', {
      params: { id: v1.id },
      body: {
        ...body,
        signals: null,
        intervals: [
          ...body.intervals,
          { from: '2024-01-02T00:00:00+02:00', to: '2024-01-02T01:00:00+02:00', kind: 'inference' },
        ],
        version: 1,
      },
    });
    assert.equal(v2.version, 2);
    // Stored in UTC.
    assert.equal(v2.intervals[2]?.from, '2024-01-01T22:00:00.000Z');
    const current = await editor.client.call('getMarkup', { params: { id: v1.id } });
    assert.deepEqual([current.version, current.signals, current.intervals.length], [2, null, 3]);
    const history = await editor.client.call('listMarkupVersions', { params: { id: v1.id } });
    assert.deepEqual(
      history.items.map((v) => [v.version, v.intervals.length, v.signals]),
      [
        [2, 3, null],
        [1, 2, ['Pressure', 'Temperature']],
      ],
    );
    const first = await editor.client.call('getMarkupVersion', { params: { id: v1.id, version: 1 } });
    assert.deepEqual(first.intervals, v1.intervals);
    const paged = await editor.client.call('listMarkupVersions', { params: { id: v1.id }, query: { limit: 1 } });
    assert.deepEqual([paged.items.length, paged.items[0]?.version, paged.nextCursor !== null], [1, 2, true]);
  });

  it('answers 409 VIGIL_CONTROL_VERSION_CONFLICT to a write based on a stale version; of two racing writes one wins', async () => {
    const body = markupBody();
    const v1 = await editor.client.call('createMarkup', { body });
    const write = (note: string) =>
      editor.client
        .call('updateMarkup', {
          params: { id: v1.id },
          body: { ...body, description: note, version: 1 },
        })
        .then(
          () => 'ok',
          (error: ControlApiError) => `${error.status} ${error.code}`,
        );
    const results = await Promise.all([write('a'), write('b')]);
    assert.deepEqual(results.sort(), ['409 VIGIL_CONTROL_VERSION_CONFLICT', 'ok']);
    const current = await editor.client.call('getMarkup', { params: { id: v1.id } });
    assert.equal(current.version, 2);
    await assert.rejects(editor.client.call('deleteMarkup', { params: { id: v1.id }, query: { version: 1 } }), {
      status: 409,
      code: 'VIGIL_CONTROL_VERSION_CONFLICT',
    });
    await editor.client.call('deleteMarkup', { params: { id: v1.id }, query: { version: 2 } });
    await assert.rejects(editor.client.call('getMarkup', { params: { id: v1.id } }), {
      status: 404,
      code: 'VIGIL_CONTROL_NOT_FOUND',
    });
  });

  it('refuses broken markups with 400 VIGIL_CONTROL_INVALID_MARKUP listing each problem, and a taken name with 409', async () => {
    const bad = {
      ...markupBody(),
      scope: { kind: 'pattern' as const, pattern: 'valve[' },
      intervals: [
        { from: '2024-01-01T00:00:00Z', to: '2024-01-01T00:00:00Z', kind: 'normal' as const },
        { from: '2024-01-01T01:00:00Z', to: '2024-01-01T03:00:00Z', kind: 'anomalous' as const },
        { from: '2024-01-01T02:00:00Z', to: '2024-01-01T04:00:00Z', kind: 'anomalous' as const },
      ],
    };
    const error = await editor.client.call('createMarkup', { body: bad }).catch((e: ControlApiError) => e);
    assert.ok(error instanceof ControlApiError);
    assert.deepEqual([error.status, error.code], [400, 'VIGIL_CONTROL_INVALID_MARKUP']);
    assert.deepEqual(
      error.issues?.map((i) => i.path),
      ['intervals.0.to', 'intervals.2', 'scope.pattern'],
    );
    const taken = markupBody();
    await editor.client.call('createMarkup', { body: taken });
    await assert.rejects(editor.client.call('createMarkup', { body: taken }), {
      status: 409,
      code: 'VIGIL_CONTROL_ALREADY_EXISTS',
    });
    const listed = await editor.client.call('listMarkups', { query: { name: taken.name } });
    assert.deepEqual(
      listed.items.map((m) => [m.name, m.intervalCount]),
      [[taken.name, 2]],
    );
  });

  it('audits create, update and delete with before and after, in the same transaction as the change', async () => {
    const body = markupBody();
    const v1 = await editor.client.call('createMarkup', { body });
    await editor.client.call('updateMarkup', {
      params: { id: v1.id },
      body: { ...body, description: 'second', version: 1 },
    });
    await editor.client.call('deleteMarkup', { params: { id: v1.id }, query: { version: 2 } });
    const rows = (await auditRows(fixture, { actor: editor.name })).filter((r) => r.target_id === v1.id);
    assert.deepEqual(
      rows.map((r) => [r.action, r.outcome]),
      [
        ['markup.delete', 'ok'],
        ['markup.update', 'ok'],
        ['markup.create', 'ok'],
      ],
    );
    const [deleted, updated, created] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    assert.deepEqual([created.before, (created.after as { version: number }).version], [null, 1]);
    assert.deepEqual(
      [
        (updated.before as { description: string | null }).description,
        (updated.after as { description: string }).description,
      ],
      [null, 'second'],
    );
    assert.deepEqual([(deleted.before as { version: number }).version, deleted.after], [2, null]);
    // A refused write leaves no audit row of a change: the conflict rolled the transaction back.
    const again = await editor.client.call('createMarkup', { body: markupBody() });
    await assert.rejects(
      editor.client.call('updateMarkup', { params: { id: again.id }, body: { ...body, version: 7 } }),
    );
    const afterConflict = (await auditRows(fixture, { action: 'markup.update' })).filter(
      (r) => r.target_id === again.id,
    );
    assert.deepEqual(afterConflict, []);
  });
});
