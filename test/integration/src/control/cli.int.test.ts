import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@vigil/test-kit';
import { type ControlFixture, controlFixture, markupBody } from './fixture.ts';

const run = promisify(execFile);

describe('./vigil ctl against the real control service', () => {
  let fixture: ControlFixture;
  let home: string;
  before(async () => {
    fixture = await controlFixture();
    home = mkdtempSync(join(tmpdir(), 'vigil-ctl-'));
  });
  after(async () => {
    await fixture?.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  /**
   * Runs the CLI with its exit code, stdout and stderr. ./vigil sets VIGIL_ROOT to the checkout, whose
   * .vigil/ctl-token is the developer's; the calls that read or write token files run the entry directly
   * with VIGIL_ROOT and HOME in a scratch folder.
   */
  async function ctl(args: string[], env: Record<string, string> = {}, options: { viaVigil?: boolean } = {}) {
    const [command, argv] = options.viaVigil
      ? [join(REPO_ROOT, 'vigil'), ['ctl', ...args]]
      : [process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'tools/ctl/src/main.ts'), ...args]];
    try {
      const { stdout, stderr } = await run(command, argv, {
        cwd: REPO_ROOT,
        env: { ...process.env, HOME: home, VIGIL_CONTROL_URL: fixture.url, VIGIL_TOKEN: '', VIGIL_ROOT: home, ...env },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }
  const json = <T>(result: { code: number; stdout: string; stderr: string }): T => {
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as T;
  };

  it('prints help at every level and exits 2 on a usage error', async () => {
    const top = await ctl(['--help'], {}, { viaVigil: true });
    assert.equal(top.code, 0);
    assert.match(top.stdout, /markups +list \| show \| create \| update \| delete \| history/);
    assert.match((await ctl(['roles', '--help'], {}, { viaVigil: true })).stdout, /roles create NAME --right RIGHT/);
    const viaVigil = await ctl(['--json', 'whoami'], { VIGIL_TOKEN: fixture.adminToken }, { viaVigil: true });
    assert.equal((JSON.parse(viaVigil.stdout) as { user: { name: string } }).user.name, 'root-admin');
    assert.match((await ctl(['markups', 'update', '--help'])).stdout, /--file FILE \[--version N\]/);
    const bad = await ctl(['users', 'frobnicate']);
    assert.deepEqual([bad.code, bad.stderr.split('\n')[0]], [2, "ctl: no command 'users frobnicate'"]);
    const noToken = await ctl(['users', 'list']);
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /no token/);
  });

  it('runs roles, users, tokens, markups and audit over the API, --json for scripts', async () => {
    const admin = { VIGIL_TOKEN: fixture.adminToken };
    const role = json<{ name: string; rights: string[] }>(
      await ctl(['--json', 'roles', 'create', 'editors', '--right', 'edit_markups', '--right', 'view'], admin),
    );
    assert.deepEqual(role.rights, ['view', 'edit_markups']);
    json(await ctl(['users', 'create', 'eve', '--role', 'editors', '--json'], admin));
    const token = json<{ token: string; user: string }>(
      await ctl(['tokens', 'create', 'laptop', '--user', 'eve', '--json'], admin),
    );
    assert.equal(token.user, 'eve');

    // eve keeps her token in the home file, the last place the CLI looks.
    writeFileSync(join(home, 'eve-token'), `${token.token}\n`);
    const eve = { VIGIL_TOKEN: token.token };
    const me = json<{ user: { name: string; rights: string[] } }>(await ctl(['whoami', '--json'], eve));
    assert.deepEqual([me.user.name, me.user.rights], ['eve', ['view', 'edit_markups']]);
    const viaFile = json<{ user: { name: string } }>(
      await ctl(['--token-file', join(home, 'eve-token'), '--json', 'whoami']),
    );
    assert.equal(viaFile.user.name, 'eve');

    const file = join(home, 'markup.json');
    writeFileSync(file, JSON.stringify(markupBody('valve1-first-400')));
    const created = json<{ id: string; version: number }>(
      await ctl(['markups', 'create', '--file', file, '--json'], eve),
    );
    assert.equal(created.version, 1);
    // The round trip a person makes: show --json, edit, update from the file (its version is the base).
    const shown = json<Record<string, unknown>>(await ctl(['markups', 'show', 'valve1-first-400', '--json'], eve));
    writeFileSync(file, JSON.stringify({ ...shown, description: 'first 400 rows' }));
    const updated = json<{ version: number; description: string }>(
      await ctl(['markups', 'update', 'valve1-first-400', '--file', file, '--json'], eve),
    );
    assert.deepEqual([updated.version, updated.description], [2, 'first 400 rows']);
    const stale = await ctl(['markups', 'update', 'valve1-first-400', '--file', file], eve);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /^ctl: VIGIL_CONTROL_VERSION_CONFLICT: markup valve1-first-400 is at version 2, not 1/);
    const history = json<{ items: { version: number }[] }>(
      await ctl(['markups', 'history', created.id, '--json'], eve),
    );
    assert.deepEqual(
      history.items.map((v) => v.version),
      [2, 1],
    );
    const table = await ctl(['markups', 'list'], eve);
    assert.match(table.stdout, /valve1-first-400 +2 +pattern valve1\/\* +Pressure,Temperature +2/);

    const refused = await ctl(['audit', 'list'], eve);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /VIGIL_CONTROL_FORBIDDEN/);
    const audit = json<{ items: { action: string; outcome: string }[] }>(
      await ctl(['audit', 'list', '--actor', 'eve', '--all', '--json'], admin),
    );
    assert.deepEqual(
      audit.items.map((e) => `${e.action} ${e.outcome}`),
      ['audit.list denied', 'markup.update ok', 'markup.create ok'],
    );

    const tokens = json<{ items: { id: string }[] }>(await ctl(['tokens', 'list', '--json'], eve));
    json(await ctl(['tokens', 'revoke', tokens.items[0]?.id as string, '--json'], eve));
    const revoked = await ctl(['whoami'], eve);
    assert.equal(revoked.code, 1);
    assert.match(revoked.stderr, /VIGIL_CONTROL_UNAUTHENTICATED: the token is revoked/);
  });

  it('bootstrap is refused once an administrator exists; --save writes a token only its owner reads', async () => {
    writeFileSync(join(home, 'boot'), fixture.bootstrapToken);
    const again = await ctl(['bootstrap', 'second', '--bootstrap-token-file', join(home, 'boot')]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /VIGIL_CONTROL_BOOTSTRAP_CLOSED/);
    const saved = await ctl(['tokens', 'create', 'saved', '--save'], { VIGIL_TOKEN: fixture.adminToken });
    assert.equal(saved.code, 0, saved.stderr);
    const file = join(home, '.vigil', 'ctl-token');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const me = json<{ user: { name: string } }>(await ctl(['whoami', '--json']));
    assert.equal(me.user.name, 'root-admin');
    assert.match(readFileSync(file, 'utf8'), /^vgl_/);
  });
});
