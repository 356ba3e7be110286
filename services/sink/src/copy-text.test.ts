import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { copyTextCell, copyTextRow } from './copy-text.ts';

describe('COPY text format', () => {
  it('writes NULL, booleans and numbers as PostgreSQL reads them', () => {
    assert.equal(copyTextCell(null), '\\N');
    assert.equal(copyTextCell(true), 't');
    assert.equal(copyTextCell(false), 'f');
    assert.equal(copyTextCell(1705312345123), '1705312345123');
    assert.equal(copyTextCell(0.25), '0.25');
    assert.equal(copyTextCell(Number.NaN), 'NaN');
    assert.equal(copyTextCell(Number.NEGATIVE_INFINITY), '-Infinity');
  });

  it('escapes back-slash, tab, newline and carriage return and nothing else', () => {
    assert.equal(copyTextCell('plain "text", {x}'), 'plain "text", {x}');
    assert.equal(copyTextCell('a\\b\tc\nd\re'), 'a\\\\b\\tc\\nd\\re');
    assert.equal(copyTextCell('\\N'), '\\\\N');
    assert.equal(copyTextCell('{"k":"a\\"b"}'), '{"k":"a\\\\"b"}');
  });

  it('joins cells with tabs and ends the row with a newline', () => {
    assert.equal(copyTextRow(['a', 1, null, false]), 'a\t1\t\\N\tf\n');
    assert.equal(copyTextRow([]), '\n');
  });
});
