import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { schemas } from '@vigil/control-api';
import { markupIssues } from './validate.ts';

const markup = (over: Record<string, unknown> = {}) =>
  schemas.MarkupInput.parse({
    name: 'valve1-training',
    scope: { kind: 'pattern', pattern: 'valve1/*' },
    intervals: [
      { from: '2024-01-01T00:00:00Z', to: '2024-01-02T00:00:00Z', kind: 'normal' },
      { from: '2024-01-02T00:00:00Z', to: '2024-01-03T00:00:00Z', kind: 'normal' },
      { from: '2024-01-01T12:00:00Z', to: '2024-01-01T13:00:00Z', kind: 'excluded' },
    ],
    ...over,
  });

describe('markup rules', () => {
  it('accept touching intervals of one kind and overlapping ones of different kinds', () => {
    assert.deepEqual(markupIssues(markup()), []);
  });

  it('refuse an interval that does not end after it starts', () => {
    const issues = markupIssues(
      markup({
        intervals: [
          { from: '2024-01-02T00:00:00Z', to: '2024-01-02T00:00:00Z', kind: 'anomalous' },
          { from: '2024-01-03T00:00:00Z', to: '2024-01-02T00:00:00+01:00', kind: 'inference' },
        ],
      }),
    );
    assert.deepEqual(issues, [
      { path: 'intervals.0.to', message: 'must be after from' },
      { path: 'intervals.1.to', message: 'must be after from' },
    ]);
  });

  it('refuse overlapping intervals of the same kind, across time zones, naming both', () => {
    const issues = markupIssues(
      markup({
        intervals: [
          { from: '2024-01-01T10:00:00Z', to: '2024-01-01T12:00:00Z', kind: 'anomalous' },
          { from: '2024-01-01T12:30:00+01:00', to: '2024-01-01T14:00:00Z', kind: 'anomalous' },
        ],
      }),
    );
    assert.deepEqual(issues, [{ path: 'intervals.1', message: 'overlaps interval 0 of the same kind (anomalous)' }]);
  });

  it('refuse a pattern that is not a glob and repeated entities or signals', () => {
    assert.deepEqual(
      markupIssues(markup({ scope: { kind: 'pattern', pattern: 'valve[1' } })).map((i) => i.path),
      ['scope.pattern'],
    );
    assert.deepEqual(
      markupIssues(markup({ scope: { kind: 'entities', entities: ['a', 'b', 'a'] }, signals: ['x', 'x'] })),
      [
        { path: 'scope.entities.2', message: '"a" is listed twice' },
        { path: 'signals.1', message: '"x" is listed twice' },
      ],
    );
  });

  it('leave shape to the schema: unknown kinds and scopes never reach the rules', () => {
    assert.equal(schemas.MarkupInput.safeParse({ ...markup(), scope: { kind: 'some' } }).success, false);
    assert.equal(
      schemas.MarkupInput.safeParse({ ...markup(), intervals: [{ from: 'x', to: 'y', kind: 'normal' }] }).success,
      false,
    );
  });
});
