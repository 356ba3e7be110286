import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTimestamp } from './timestamps.ts';

test('times without a zone are UTC, whatever the host time zone', () => {
  assert.equal(parseTimestamp('2020-03-09 10:14:33'), Date.UTC(2020, 2, 9, 10, 14, 33));
  assert.equal(parseTimestamp('2020-03-09T10:14:33.250'), Date.UTC(2020, 2, 9, 10, 14, 33, 250));
  assert.equal(parseTimestamp('2020-03-09'), Date.UTC(2020, 2, 9));
  assert.equal(parseTimestamp('2020-03-09 10:14'), Date.UTC(2020, 2, 9, 10, 14));
});

test('zones are honoured', () => {
  assert.equal(parseTimestamp('2018-04-25T00:00:00Z'), Date.UTC(2018, 3, 25));
  assert.equal(parseTimestamp('2018-04-25T02:00:00+02:00'), Date.UTC(2018, 3, 25));
  assert.equal(parseTimestamp('2018-04-25T02:00:00+0200'), Date.UTC(2018, 3, 25));
  assert.equal(parseTimestamp(' 2018-04-24T19:00:00-05:00 '), Date.UTC(2018, 3, 25));
});

test('epoch numbers: seconds below 1e11, milliseconds above', () => {
  assert.equal(parseTimestamp('1717401600'), 1_717_401_600_000);
  assert.equal(parseTimestamp('1717401600.5'), 1_717_401_600_500);
  assert.equal(parseTimestamp('1717401600000'), 1_717_401_600_000);
});

test('anything else is not a timestamp', () => {
  for (const text of ['', 'yesterday', '2020-13-45 10:00:00', '10:14:33', '-5', '2020/03/09']) {
    assert.equal(parseTimestamp(text), undefined, text);
  }
});
