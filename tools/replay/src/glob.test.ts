import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entityMatcher } from './glob.ts';

test('* stays within a segment, ** crosses them, ? is one character', () => {
  const match = entityMatcher('skab/valve1/*');
  assert.ok(match('skab/valve1/0'));
  assert.ok(!match('skab/valve1/x/0'));
  assert.ok(!match('skab/valve2/0'));
  assert.ok(entityMatcher('skab/**')('skab/valve1/0'));
  assert.ok(entityMatcher('**/0')('skab/valve1/0'));
  assert.ok(entityMatcher('**/0')('0'));
  assert.ok(entityMatcher('skab/valve?/1')('skab/valve2/1'));
  assert.ok(!entityMatcher('skab/valve?/1')('skab/valve22/1'));
});

test('comma-separated patterns; regex characters are literal', () => {
  const match = entityMatcher('skab/other/1, ms-cloud-monitoring/*/app1-0[1]');
  assert.ok(match('skab/other/1'));
  assert.ok(match('ms-cloud-monitoring/x/app1-0[1]'));
  assert.ok(!match('ms-cloud-monitoring/x/app1-01'));
  assert.ok(!entityMatcher('a.b')('axb'));
  assert.ok(entityMatcher('a(b|c)+{d}!@')('a(b|c)+{d}!@'));
  assert.ok(!entityMatcher('a(b|c)')('ab'));
});

test('** crosses segments only as a whole segment; a leading dot is an ordinary character', () => {
  assert.ok(entityMatcher('skab/**/0')('skab/0'));
  assert.ok(entityMatcher('skab/**/0')('skab/a/b/0'));
  assert.ok(!entityMatcher('skab/**')('skab'));
  assert.ok(!entityMatcher('a**b')('a/x/b'));
  assert.ok(entityMatcher('runs/*')('runs/.hidden'));
});
