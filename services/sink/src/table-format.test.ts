import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCell, formatTable } from './table-format.ts';

describe('table format', () => {
  it('formats times, missing values, fractions and objects', () => {
    assert.equal(formatCell(new Date(Date.UTC(2024, 0, 15, 10))), '2024-01-15T10:00:00.000Z');
    assert.equal(formatCell(null), '-');
    assert.equal(formatCell(undefined), '-');
    assert.equal(formatCell(0.123456), '0.1235');
    assert.equal(formatCell(42), '42');
    assert.equal(formatCell({ a: 1 }), '{"a":1}');
    assert.equal(formatCell('x'.repeat(70)), `${'x'.repeat(59)}…`);
  });

  it('aligns columns, numbers to the right', () => {
    const text = formatTable(
      [
        { header: 'model', value: (r: { m: string; n: number }) => r.m },
        { header: 'count', value: (r: { m: string; n: number }) => r.n },
      ],
      [
        { m: 'envelope', n: 7 },
        { m: 'rules', n: 1250 },
      ],
    );
    assert.equal(text, ['model     count', '--------  -----', 'envelope      7', 'rules      1250'].join('\n'));
  });

  it('prints only the header when there are no rows', () => {
    assert.equal(formatTable([{ header: 'id', value: (r: { id: string }) => r.id }], []), 'id\n--');
  });
});
