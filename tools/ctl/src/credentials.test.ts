import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoTokenFile, resolveBootstrapToken, resolveToken, saveToken } from './credentials.ts';

describe('ctl credentials', () => {
  const root = mkdtempSync(join(tmpdir(), 'ctl-root-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('take --token-file, then VIGIL_TOKEN, then the repository file', () => {
    const file = join(root, 'explicit');
    writeFileSync(file, ' vgl_file \n');
    assert.deepEqual(resolveToken({ tokenFile: file, env: { VIGIL_TOKEN: 'vgl_env' }, root }), {
      token: 'vgl_file',
      from: file,
    });
    assert.deepEqual(resolveToken({ env: { VIGIL_TOKEN: 'vgl_env' }, root }), {
      token: 'vgl_env',
      from: 'VIGIL_TOKEN',
    });
    saveToken(repoTokenFile(root), 'vgl_saved');
    assert.equal(statSync(repoTokenFile(root)).mode & 0o777, 0o600);
    assert.deepEqual(resolveToken({ env: { VIGIL_TOKEN: '  ' }, root }), {
      token: 'vgl_saved',
      from: repoTokenFile(root),
    });
    assert.equal(resolveToken({ tokenFile: join(root, 'missing'), env: {}, root }), undefined);
  });

  it('read the bootstrap token from a given file, VIGIL_BOOTSTRAP_TOKEN, or .vigil/control-bootstrap-token', () => {
    writeFileSync(join(root, '.vigil', 'control-bootstrap-token'), 'from-services-sh\n');
    writeFileSync(join(root, 'boot'), 'from-file');
    assert.equal(
      resolveBootstrapToken({ env: { VIGIL_BOOTSTRAP_TOKEN: 'from-env' }, root }, join(root, 'boot')),
      'from-file',
    );
    assert.equal(resolveBootstrapToken({ env: { VIGIL_BOOTSTRAP_TOKEN: 'from-env' }, root }, undefined), 'from-env');
    assert.equal(resolveBootstrapToken({ env: {}, root }, undefined), 'from-services-sh');
  });
});
