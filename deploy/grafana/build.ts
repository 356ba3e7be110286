/**
 * Writes the dashboard JSON files Grafana provisions from the specs in src/:
 *   node --import tsx deploy/grafana/build.ts           write provisioning/dashboards/vigil/*.json
 *   node --import tsx deploy/grafana/build.ts --check   exit 1 when a file differs from its spec
 * The JSON is what Grafana reads; the specs are what people edit.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { buildDashboards, DASHBOARDS_DIR } from './src/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const dir = resolve(here, DASHBOARDS_DIR);
const check = process.argv.includes('--check');
let stale = 0;
for (const [file, dashboard] of Object.entries(buildDashboards())) {
  const path = resolve(dir, file);
  if (check) {
    let current: unknown;
    try {
      current = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      current = undefined;
    }
    if (!isDeepStrictEqual(current, dashboard)) {
      console.error(
        `${DASHBOARDS_DIR}/${file} is not what its spec builds: run node --import tsx deploy/grafana/build.ts`,
      );
      stale++;
    }
  } else {
    writeFileSync(path, `${JSON.stringify(dashboard, null, 2)}\n`);
    console.log(`wrote ${DASHBOARDS_DIR}/${file}`);
  }
}
if (!check) {
  // The repository's formatter has the last word on layout (the check above compares content only).
  execFileSync(resolve(here, '../../node_modules/.bin/biome'), ['format', '--write', dir], { stdio: 'inherit' });
}
process.exitCode = stale > 0 ? 1 : 0;
