import { type DashboardSpec, quantiles, RATE } from './panels.ts';

/** Scoring's series, filtered by the `model` and `alias` variables. */
const M = 'model=~"$model", alias=~"$alias"';

export const modelScores: DashboardSpec = {
  uid: 'vigil-scoring',
  title: 'Vigil · Model scores and verdicts',
  description:
    'What the science modules say: model versions serving, calibrated score distributions, verdicts, module latency and failures.',
  tags: ['vigil', 'scoring'],
  variables: [
    { name: 'model', label: 'Model', query: 'label_values(vigil_scoring_verdicts_total, model)' },
    { name: 'alias', label: 'Alias', query: 'label_values(vigil_scoring_verdicts_total{model=~"$model"}, alias)' },
  ],
  rows: [
    {
      title: 'Models',
      panels: [
        {
          kind: 'table',
          title: 'Model versions in use',
          description:
            'The version each model@alias serves now. A publish or rollback in MLflow shows here within one poll of the registry.',
          targets: [{ expr: `max by (model, alias, version) (vigil_scoring_model_info{${M}})`, instant: true }],
          width: 10,
        },
        {
          kind: 'stat',
          title: 'Model registry',
          description:
            'STALE while MLflow cannot be reached: scoring goes on with the versions it holds (VigilModelRegistryStale).',
          targets: [{ expr: 'max(vigil_scoring_registry_stale)', legend: 'registry' }],
          width: 4,
          thresholds: [[1, 'red']],
          mappings: [
            { value: '0', text: 'reachable', color: 'green' },
            { value: '1', text: 'STALE', color: 'red' },
          ],
        },
        {
          kind: 'timeseries',
          title: 'Version swaps and refused versions',
          description:
            'New versions swapped in without a restart, and versions refused (download, hash, self test, test inference) by error code.',
          targets: [
            {
              expr: `sum by (model, alias) (increase(vigil_scoring_model_swaps_total{${M}}[${RATE}]))`,
              legend: '{{model}}@{{alias}} swapped',
            },
            {
              expr: `sum by (model, alias, reason) (increase(vigil_scoring_model_refused_total{${M}}[${RATE}]))`,
              legend: '{{model}}@{{alias}} refused {{reason}}',
            },
          ],
          unit: 'short',
          width: 10,
        },
      ],
    },
    {
      title: 'Scores and verdicts',
      panels: [
        {
          kind: 'heatmap',
          title: 'Calibrated score distribution',
          description:
            'Calibrated scores (0..1, comparable across modules) of the selected models, per histogram bucket. Buckets are dense near 1, where the thresholds sit.',
          targets: [
            {
              expr: `sum by (le) (increase(vigil_scoring_score_calibrated_bucket{${M}}[${RATE}]))`,
              legend: '{{le}}',
            },
          ],
        },
        {
          kind: 'timeseries',
          title: 'Calibrated score p50 / p90 / p99 by model and alias',
          description:
            'Quantiles of the calibrated score. A p50 drifting up means inputs move away from the training reference.',
          targets: quantiles(
            'vigil_scoring_score_calibrated',
            M,
            ['model', 'alias'],
            '{{model}}@{{alias}}',
            [0.5, 0.9, 0.99],
          ),
          unit: 'percentunit',
          min: 0,
          max: 1,
        },
        {
          kind: 'timeseries',
          title: 'Verdicts per second by model and alias',
          description: 'NORMAL, UNSURE (routed to a human), ANOMALY and MISSING (the module gave no score).',
          targets: [
            {
              expr: `sum by (model, alias, verdict) (rate(vigil_scoring_verdicts_total{${M}}[${RATE}]))`,
              legend: '{{model}}@{{alias}} {{verdict}}',
            },
          ],
          unit: 'suffix: scores/s',
        },
        {
          kind: 'timeseries',
          title: 'Verdict shares by model and alias',
          description:
            'Share of each verdict among the scores of a model@alias. MISSING above 20% fires VigilScoringMissingShareHigh.',
          targets: [
            {
              expr: `sum by (model, alias, verdict) (rate(vigil_scoring_verdicts_total{${M}}[${RATE}])) / ignoring (verdict) group_left sum by (model, alias) (rate(vigil_scoring_verdicts_total{${M}}[${RATE}]))`,
              legend: '{{model}}@{{alias}} {{verdict}}',
            },
          ],
          unit: 'percentunit',
          min: 0,
          max: 1,
        },
      ],
    },
    {
      title: 'Modules',
      panels: [
        {
          kind: 'timeseries',
          title: 'Module latency p50 / p99',
          description: 'Wall time of one module on one batch, isolate round trip included.',
          targets: quantiles('vigil_scoring_module_seconds', M, ['model', 'alias'], '{{model}}@{{alias}}'),
          unit: 's',
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'Module failures by reason',
          description:
            'Batches a module did not score (MODULE_ERROR, MODULE_TIMEOUT, MODULE_CRASHED...): their scores are MISSING (VigilScoringModuleFailing).',
          targets: [
            {
              expr: `sum by (model, alias, reason) (rate(vigil_scoring_module_failures_total{${M}}[${RATE}]))`,
              legend: '{{model}}@{{alias}} {{reason}}',
            },
          ],
          unit: 'suffix: batches/s',
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'Module isolate restarts',
          description: 'Isolates replaced after a failure, by the failure.',
          targets: [
            {
              expr: `sum by (model, alias, reason) (increase(vigil_scoring_module_restarts_total{${M}}[${RATE}]))`,
              legend: '{{model}}@{{alias}} {{reason}}',
            },
          ],
          unit: 'short',
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'Scoring throughput',
          description: 'Enriched alerts read and scored alerts published by the scoring stage, and its dead letters.',
          targets: [
            { expr: `sum(rate(vigil_records_in_total{stage="scoring"}[${RATE}]))`, legend: 'in' },
            { expr: `sum(rate(vigil_records_out_total{stage="scoring"}[${RATE}]))`, legend: 'out' },
            {
              expr: `sum by (code) (rate(vigil_records_dead_lettered_total{stage="scoring"}[${RATE}]))`,
              legend: 'dead letters {{code}}',
            },
          ],
          unit: 'suffix: rec/s',
        },
        {
          kind: 'timeseries',
          title: 'Scoring lag',
          description:
            'Enriched alerts waiting on alerts.enriched, by partition. Scoring is the heaviest stage: it lags first.',
          targets: [
            { expr: 'sum by (partition) (vigil_consumer_lag{stage="scoring"})', legend: 'partition {{partition}}' },
          ],
          unit: 'short',
          min: 0,
        },
      ],
    },
  ],
};
