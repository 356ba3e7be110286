import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CATALOGUE, ERROR_CODES, isRetriable, isVigilError, VigilError } from './index.ts';

const docs = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map(
  [...docs.matchAll(/^\|\s*(VIGIL_[A-Z_]+)\s*\|\s*(yes|no)\s*\|/gm)].map((m) => [m[1] as string, m[2] === 'yes']),
);

describe('error catalogue', () => {
  it('documents every code with its retriable flag in docs/errors.md, and nothing else', () => {
    assert.deepEqual([...documented.keys()].sort(), [...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      assert.equal(documented.get(code), ERROR_CATALOGUE[code].retriable, `retriable flag of ${code}`);
    }
  });

  it('uses the VIGIL_<AREA>_<WHAT> shape', () => {
    for (const code of ERROR_CODES) assert.match(code, /^VIGIL_[A-Z]+_[A-Z_]+$/);
  });
});

describe('VigilError', () => {
  it('carries code, retriable, cause and context', () => {
    const cause = new Error('connection refused');
    const error = new VigilError('VIGIL_REDIS_UNAVAILABLE', 'redis down', { cause, url: 'redis://x' });
    assert.equal(error.code, 'VIGIL_REDIS_UNAVAILABLE');
    assert.equal(error.retriable, true);
    assert.equal(error.cause, cause);
    assert.deepEqual(error.context, { url: 'redis://x' });
    assert.ok(isRetriable(error));
    assert.ok(isVigilError(error, 'VIGIL_REDIS_UNAVAILABLE'));
    assert.equal(isVigilError(error, 'VIGIL_CONFIG_INVALID'), false);
    assert.ok(!isRetriable(new Error('plain')));
    assert.deepEqual(error.toJSON(), {
      name: 'VigilError',
      code: 'VIGIL_REDIS_UNAVAILABLE',
      message: 'redis down',
      retriable: true,
      url: 'redis://x',
    });
  });
});
