/**
 * Every query of every provisioned Grafana dashboard, checked against the real
 * Prometheus while the live services run and records flow (fixture.ts): the
 * expression parses and runs (Prometheus answers the query), every metric it
 * selects exists there, and it returns series carrying the labels its legend
 * names. Grafana itself cannot be installed on this machine (no Docker, no
 * Debian package), so this is what stands for opening the dashboards.
 *
 * Two kinds of query are held to less, each for a stated reason:
 * - metrics of services no test runs yet (NOT_YET_COVERED): Prometheus must
 *   still parse the query, and the metric must be declared in the code;
 * - metrics that only count rare events (EVENT_ONLY): a live service must
 *   declare them to Prometheus (target metadata), but may have no series.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { definedMetrics, isDefaultMetric } from './catalogue.ts';
import { type GrafanaTarget, loadDashboards, variableQuery } from './dashboards.ts';
import { type ObservedPipeline, observedPipeline } from './fixture.ts';
import { familyOf, legendLabels, metricNames, parseLabelValues, substituteVariables } from './promql-names.ts';
import { NOT_YET_COVERED } from './services.ts';

/** Metric families with no series until something rare happens; the feed does not make it happen. */
const EVENT_ONLY: Readonly<Record<string, string>> = {
  vigil_retries_total: 'a transient failure of Kafka, Redis, PostgreSQL or the registry',
  vigil_enrichment_replayed_records_total: 'a re-delivery after a crash between publish and commit',
  vigil_scoring_module_failures_total: 'a module that throws, hangs or crashes on a batch',
  vigil_scoring_module_restarts_total: 'a module isolate replaced after such a failure',
  vigil_scoring_model_refused_total: 'a model version that fails a check on loading (hash, self test...)',
  vigil_scoring_model_swaps_total: 'an alias moved to another version while scoring runs',
  vigil_incident_reminders_total: 'an incident open for a reminder period (1 h of event time by default)',
  vigil_sink_partitions_created_total: 'a daily partition missing when a batch arrives (once a day)',
};

const owners = new Map(definedMetrics().map((m) => [m.name, m.owner]));
const pendingServices = Object.keys(NOT_YET_COVERED);

/** Why a selected metric cannot be checked live, or undefined when it must be. */
function notLive(name: string, expr: string): string | undefined {
  const family = familyOf(name);
  const owner = owners.get(family);
  if (owner !== undefined && pendingServices.includes(owner)) return `${owner}: ${NOT_YET_COVERED[owner]}`;
  for (const service of pendingServices) {
    if (new RegExp(`\\b(stage|service)="${service}"`).test(expr)) return `${service}: ${NOT_YET_COVERED[service]}`;
  }
  return undefined;
}

describe('dashboard queries against the real Prometheus', { timeout: 420_000 }, () => {
  let pipeline: ObservedPipeline | undefined;
  let names: Set<string>;
  const dashboards = loadDashboards();

  const prometheus = () => {
    assert.ok(pipeline, 'the pipeline fixture is up');
    return pipeline.prometheus;
  };

  /** The metric has samples in Prometheus, or (event-only) a live service declares it. */
  async function exists(name: string): Promise<boolean> {
    if (names.has(name)) return true;
    if (!(familyOf(name) in EVENT_ONLY)) return false;
    return (await prometheus().targetMetadata(familyOf(name))).length > 0;
  }

  before(async () => {
    pipeline = await observedPipeline();
    await pipeline.feed();
    const required = new Set<string>();
    for (const { panels } of dashboards) {
      for (const panel of panels) {
        for (const target of panel.targets ?? []) {
          const expr = substituteVariables(target.expr);
          for (const name of metricNames(expr)) {
            if (!(familyOf(name) in EVENT_ONLY) && notLive(name, expr) === undefined) required.add(name);
          }
        }
      }
    }
    await pipeline.waitForSeries([...required]);
    names = await prometheus().metricNames();
  });

  after(async () => {
    await pipeline?.close();
  });

  async function checkTarget(where: string, target: GrafanaTarget, notes: string[]): Promise<void> {
    const expr = substituteVariables(target.expr);
    // Throws with Prometheus's own message (position included) when it does not parse.
    const samples = await prometheus().query(expr);
    let strict = true;
    for (const name of metricNames(expr)) {
      const reason = notLive(name, expr);
      if (reason !== undefined) {
        assert.ok(
          owners.has(familyOf(name)) || isDefaultMetric(name) || name === 'up',
          `${where}: ${name} is declared`,
        );
        notes.push(`${where}: ${name} not checked live (${reason})`);
        strict = false;
      } else {
        assert.ok(await exists(name), `${where}: no series of ${name} in Prometheus`);
        if (familyOf(name) in EVENT_ONLY) strict = false;
      }
    }
    if (!strict) return;
    assert.ok(samples.length > 0, `${where}: ${expr} returns no series`);
    for (const label of legendLabels(target.legendFormat)) {
      for (const s of samples)
        assert.ok(label in s.metric, `${where}: legend label ${label} missing from ${JSON.stringify(s.metric)}`);
    }
  }

  for (const { file, dashboard, panels } of dashboards) {
    describe(`${dashboard.title} (${file})`, () => {
      test('variables list values from series Prometheus has', async (t) => {
        for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
          const { selector, label } = parseLabelValues(variableQuery(variable));
          assert.ok(selector, `${variable.name}: label_values names a selector`);
          const expr = substituteVariables(selector);
          const [name] = metricNames(expr);
          assert.ok(name, `${variable.name}: a metric in ${selector}`);
          const reason = notLive(name, expr);
          if (reason !== undefined) {
            t.diagnostic(`$${variable.name} not checked live (${reason})`);
            continue;
          }
          const series = await prometheus().series(expr);
          assert.ok(
            series.some((s) => label in s),
            `$${variable.name}: no series of ${expr} has a ${label} label`,
          );
        }
      });

      for (const panel of panels) {
        test(`${panel.title}`, async (t) => {
          const notes: string[] = [];
          for (const target of panel.targets ?? [])
            await checkTarget(`${panel.title} [${target.refId}]`, target, notes);
          for (const note of notes) t.diagnostic(note);
        });
      }
    });
  }
});
