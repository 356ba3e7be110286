import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BundleCache, sha256 } from './bundle-cache.ts';

const root = mkdtempSync(join(tmpdir(), 'vigil-cache-'));
after(() => rmSync(root, { recursive: true, force: true }));
const manifest = Buffer.from('{"files":{"elements/x.onnx":"00"}}');
const version = { model: 'm', version: '7', runId: 'r', source: 'mlflow-artifacts:/1/r/artifacts/bundle', tags: {} };

describe('bundle cache', () => {
  it('stores a version folder whole, remembers aliases, and forgets an alias whose files are gone', async () => {
    const cache = new BundleCache(root);
    assert.equal(cache.has('m', '7'), false);
    const dir = await cache.store(
      version,
      new Map([
        ['manifest.json', manifest],
        ['elements/x.onnx', Buffer.from([1, 2, 3])],
      ]),
    );
    assert.equal(dir, join(root, 'm', '7'));
    assert.ok(cache.has('m', '7'));
    assert.deepEqual([...readFileSync(join(dir, 'elements/x.onnx'))], [1, 2, 3]);
    const marker = JSON.parse(readFileSync(join(dir, '.vigil-cache.json'), 'utf8'));
    assert.equal(marker.manifestSha256, sha256(manifest));
    assert.deepEqual(await cache.versions('m'), ['7']);

    assert.equal(await cache.aliasVersion('m', 'published'), undefined);
    await cache.rememberAlias('m', 'published', '7');
    assert.equal(await cache.aliasVersion('m', 'published'), '7');
    await cache.remove('m', '7');
    assert.equal(await cache.aliasVersion('m', 'published'), undefined, 'the alias points at nothing cached');
  });

  it('refuses names that could leave the cache folder', async () => {
    const cache = new BundleCache(root);
    for (const bad of ['..', 'a/b', '', 'aliases']) {
      assert.throws(() => cache.dir(bad, '1'), { code: 'VIGIL_SCORING_CACHE_FAILED' });
      assert.throws(() => cache.dir('m', bad), { code: 'VIGIL_SCORING_CACHE_FAILED' });
    }
  });
});
