/**
 * Observability files agree with each other and with the code, without a
 * server: the dashboards Grafana provisions are what their specs build, they
 * are well formed and use only metrics the code declares; the provisioning
 * paths match docker-compose.yml's mount; docs/observability.md lists every
 * metric (name, type, labels, service), alert and panel there is; and every
 * service is either checked live or named as not covered yet.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from '@vigil/test-kit';
import { parse } from 'yaml';
import { buildDashboards, DASHBOARD_SPECS } from '../../../../deploy/grafana/src/index.ts';
import { definedMetrics, EVERY_STAGE, isDefaultMetric } from './catalogue.ts';
import { DASHBOARDS_PATH, GRAFANA_DIR, loadDashboards, variableQuery } from './dashboards.ts';
import { BUILTIN_VARIABLES, familyOf, metricNames, parseLabelValues, substituteVariables } from './promql-names.ts';
import { LIVE_SERVICES, NOT_YET_COVERED } from './services.ts';

const read = (path: string) => readFileSync(resolve(REPO_ROOT, path), 'utf8');
const dashboards = loadDashboards();
const metrics = definedMetrics();
const declared = new Set(metrics.map((m) => m.name));
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variable syntax
const DATASOURCE_REF = { type: 'prometheus', uid: '${datasource}' };

/** Prometheus's own series the dashboards may use beside Vigil's. */
const PROMETHEUS_SERIES = new Set(['up']);

function known(name: string): boolean {
  return PROMETHEUS_SERIES.has(name) || isDefaultMetric(name) || declared.has(familyOf(name));
}

describe('dashboards', () => {
  test('the JSON files are exactly what the specs in deploy/grafana/src build', () => {
    const built = buildDashboards();
    assert.deepEqual(
      dashboards.map((d) => d.file),
      Object.keys(DASHBOARD_SPECS).sort(),
      'one file per spec, no other file',
    );
    for (const { file, dashboard } of dashboards) {
      assert.deepEqual(dashboard, built[file], `${file} is stale: run node --import tsx deploy/grafana/build.ts`);
    }
  });

  test('pipeline health, model scores and verdicts, incidents: unique uids', () => {
    const uids = dashboards.map((d) => d.dashboard.uid);
    assert.deepEqual(uids.sort(), ['vigil-incidents', 'vigil-pipeline', 'vigil-scoring']);
  });

  for (const { file, dashboard, panels } of dashboards) {
    describe(file, () => {
      test('a `datasource` variable of type prometheus comes first; every query variable is label_values with All = .*', () => {
        const [first, ...rest] = dashboard.templating.list;
        assert.equal(first?.name, 'datasource');
        assert.equal(first?.type, 'datasource');
        assert.equal(variableQuery(first), 'prometheus');
        for (const v of rest) {
          assert.equal(v.type, 'query', v.name);
          assert.equal(v.allValue, '.*', `${v.name}: "All" is the regex .*`);
          const { selector } = parseLabelValues(variableQuery(v));
          if (selector !== undefined)
            for (const name of metricNames(substituteVariables(selector))) assert.ok(known(name), name);
        }
      });

      test('every panel and query reads through the datasource variable, with unique ids and a PromQL expression', () => {
        const ids = new Set<number>();
        for (const panel of panels) {
          assert.ok(!ids.has(panel.id), `panel id ${panel.id} is unique`);
          ids.add(panel.id);
          assert.deepEqual(panel.datasource, DATASOURCE_REF, panel.title);
          assert.ok((panel.targets ?? []).length > 0, `${panel.title} has a query`);
          for (const target of panel.targets ?? []) {
            assert.deepEqual(target.datasource, DATASOURCE_REF, `${panel.title} ${target.refId}`);
            assert.ok(target.expr.trim().length > 0, `${panel.title} ${target.refId} has an expression`);
          }
        }
      });

      test('queries use only the dashboard variables and Grafana built-ins', () => {
        const variables = new Set([...dashboard.templating.list.map((v) => v.name), ...Object.keys(BUILTIN_VARIABLES)]);
        for (const panel of panels) {
          for (const target of panel.targets ?? []) {
            for (const m of target.expr.matchAll(/\$\{?(\w+)/g)) {
              assert.ok(variables.has(m[1] as string), `${panel.title}: $${m[1]} is not a variable of ${file}`);
            }
          }
        }
      });

      test('every metric a query selects is declared in the code (or is a process metric)', () => {
        for (const panel of panels) {
          for (const target of panel.targets ?? []) {
            for (const name of metricNames(substituteVariables(target.expr))) {
              assert.ok(
                known(name),
                `${panel.title}: ${name} is declared nowhere (packages/kafka, services/*/src/metrics.ts)`,
              );
            }
          }
        }
      });

      test('panels fit the 24-column grid without overlapping', () => {
        const boxes = dashboard.panels
          .flatMap((p) => [p, ...(p.panels ?? [])])
          .map((p) => ({ t: p.title, ...p.gridPos }));
        for (const b of boxes) assert.ok(b.x >= 0 && b.w > 0 && b.x + b.w <= 24, `${b.t} fits`);
        for (let i = 0; i < boxes.length; i++) {
          for (let j = i + 1; j < boxes.length; j++) {
            const [a, b] = [boxes[i], boxes[j]] as [(typeof boxes)[number], (typeof boxes)[number]];
            const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
            assert.ok(apart, `${a.t} and ${b.t} overlap`);
          }
        }
      });
    });
  }
});

describe('provisioning matches docker-compose.yml and Prometheus', () => {
  const compose = parse(read('docker-compose.yml')) as { services: Record<string, { volumes?: string[] }> };
  const mount = (compose.services.grafana?.volumes ?? [])
    .map((v) => v.split(':'))
    .find(([host]) => host === './deploy/grafana/provisioning');

  test('compose mounts deploy/grafana/provisioning, and the dashboards provider reads the JSON inside it', () => {
    assert.ok(mount, 'docker-compose.yml mounts ./deploy/grafana/provisioning for grafana');
    const inContainer = mount[1] as string;
    const provider = parse(read('deploy/grafana/provisioning/dashboards/vigil.yml')) as {
      providers: { type: string; options: { path: string } }[];
    };
    const relativeDir = relative(resolve(GRAFANA_DIR, 'provisioning'), DASHBOARDS_PATH);
    assert.equal(provider.providers.length, 1);
    assert.equal(provider.providers[0]?.type, 'file');
    assert.equal(provider.providers[0]?.options.path, `${inContainer}/${relativeDir}`);
  });

  test('the data source points at the Prometheus port, with the scrape interval as its time interval', () => {
    const ports = read('deploy/local/ports.env');
    const port = /^PROMETHEUS_PORT=(\d+)$/m.exec(ports)?.[1];
    const { datasources } = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { type: string; url: string; isDefault: boolean; jsonData: { timeInterval: string } }[];
    };
    const prometheus = parse(read('deploy/prometheus/prometheus.yml')) as { global: { scrape_interval: string } };
    assert.equal(datasources.length, 1);
    assert.equal(datasources[0]?.type, 'prometheus');
    assert.equal(datasources[0]?.url, `http://127.0.0.1:${port}`);
    assert.equal(datasources[0]?.isDefault, true);
    assert.equal(datasources[0]?.jsonData.timeInterval, prometheus.global.scrape_interval);
  });
});

describe('docs/observability.md', () => {
  const docs = read('docs/observability.md');
  const cells = (line: string) =>
    line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
  const rows = docs
    .split('\n')
    .filter((l) => /^\|\s*`vigil_/.test(l))
    .map(cells);
  const list = (cell: string) => (cell === '—' ? [] : [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]));

  test('the catalogue has one row per declared metric with its type, labels and service', () => {
    const byName = new Map(rows.map((r) => [(r[0] as string).replaceAll('`', ''), r]));
    for (const m of metrics) {
      const row = byName.get(m.name);
      assert.ok(row, `docs/observability.md lists ${m.name} (${m.file})`);
      assert.equal(row[1], m.type, `${m.name} type`);
      assert.deepEqual(list(row[2] as string), m.labels, `${m.name} labels`);
      assert.equal(row[3], m.owner === EVERY_STAGE ? 'every stage' : m.owner, `${m.name} service`);
    }
    for (const name of byName.keys()) assert.ok(declared.has(name) || isDefaultMetric(name), `${name} is declared`);
  });

  test('every alert rule has a section saying what to do', () => {
    const rules = parse(read('deploy/prometheus/alerts.yml')) as { groups: { rules: { alert: string }[] }[] };
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    const sections = [...docs.matchAll(/^### (Vigil\w+)/gm)].map((m) => m[1]);
    assert.deepEqual(sections.sort(), [...alerts].sort());
  });

  test('every dashboard and panel is described', () => {
    for (const { dashboard, panels } of dashboards) {
      assert.ok(docs.includes(dashboard.title), dashboard.title);
      for (const panel of panels) assert.ok(docs.includes(panel.title), `${dashboard.title}: ${panel.title}`);
    }
  });
});

test('every service is either checked live by the observability tests or named as not covered yet', () => {
  const services = readdirSync(resolve(REPO_ROOT, 'services')).filter((s) =>
    existsSync(resolve(REPO_ROOT, `services/${s}/src/main.ts`)),
  );
  const live: readonly string[] = LIVE_SERVICES;
  for (const s of services) assert.ok(live.includes(s) || s in NOT_YET_COVERED, `${s} is live or not yet covered`);
  for (const s of live) assert.ok(!(s in NOT_YET_COVERED), `${s} is not both`);
});
