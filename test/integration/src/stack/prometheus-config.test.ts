/**
 * The Prometheus config and alerting rules are valid for the Prometheus
 * binary the local stack runs (`promtool`, from the same Debian package), and
 * the alerts fire on the series they are meant for (deploy/prometheus/alerts.test.yml).
 * No server: promtool only reads the files.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const PROMETHEUS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../deploy/prometheus');
const run = promisify(execFile);

async function promtool(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run('promtool', args, { cwd: PROMETHEUS_DIR });
  return `${stdout}${stderr}`;
}

test('promtool accepts prometheus.yml and the rule files it loads', async () => {
  const out = await promtool('check', 'config', 'prometheus.yml');
  assert.match(out, /SUCCESS: prometheus\.yml is valid/);
  assert.match(out, /SUCCESS: \d+ rules found/);
});

test('the alerting rules pass their promtool unit tests', async () => {
  const out = await promtool('test', 'rules', 'alerts.test.yml');
  assert.match(out, /SUCCESS/);
});
