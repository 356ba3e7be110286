/**
 * A small builder for Grafana dashboard JSON (schema version 39, Grafana 11):
 * panels are declared by what they show (title, queries, unit) and laid out
 * in rows, left to right, 24 columns wide. Every panel and query uses the
 * `${datasource}` variable, so a dashboard works with any Prometheus data
 * source, not only the provisioned one.
 */

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JavaScript template.
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

/** Grafana's grid: 24 columns; heights in rows of 30 px. */
const GRID_WIDTH = 24;
const DEFAULT_HEIGHT = 8;

export interface Target {
  expr: string;
  /** Series name in the legend, e.g. `{{stage}} {{topic}}`; each `{{label}}` must be a label of the result. */
  legend?: string;
  /** One value per series at the end of the range (tables and stats of current state). */
  instant?: boolean;
}

export const PANEL_KINDS = ['timeseries', 'stat', 'table', 'heatmap'] as const;
export type PanelKind = (typeof PANEL_KINDS)[number];

export interface ValueMapping {
  value: string;
  text: string;
  color: string;
}

export interface PanelSpec {
  kind: PanelKind;
  title: string;
  /** Shown under the (i) of the panel: what it means and when to worry. */
  description: string;
  targets: Target[];
  /** Grafana unit id: `s`, `bytes`, `percentunit`, `short`, `suffix: rec/s`... */
  unit?: string;
  min?: number;
  max?: number;
  /** Columns out of 24 (default 12). */
  width?: number;
  height?: number;
  /** Threshold steps above the base colour (green): `[[1, 'red']]` turns red from 1. */
  thresholds?: [number, string][];
  mappings?: ValueMapping[];
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

export interface VariableSpec {
  name: string;
  label: string;
  /** A Grafana Prometheus variable query, e.g. `label_values(up{job=~"vigil-.*"}, service)`. */
  query: string;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  variables: VariableSpec[];
  rows: RowSpec[];
}

/** Grafana's rate window: at least four scrape intervals of the data source (its `timeInterval`). */
export const RATE = '$__rate_interval';

/**
 * Quantiles of a histogram over the rate window, one query each, grouped by
 * `by` (plus `le`): `quantiles('vigil_sink_write_seconds', '', [], '')` gives
 * p50 and p99 of every sink write.
 */
export function quantiles(
  histogram: string,
  matchers: string,
  by: readonly string[],
  legend: string,
  qs: readonly number[] = [0.5, 0.99],
): Target[] {
  const selector = `${histogram}_bucket${matchers === '' ? '' : `{${matchers}}`}`;
  return qs.map((q) => ({
    expr: `histogram_quantile(${q}, sum by (${[...by, 'le'].join(', ')}) (rate(${selector}[${RATE}])))`,
    legend: `${legend === '' ? '' : `${legend} `}p${Math.round(q * 100)}`,
  }));
}

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

function target(t: Target, index: number, kind: PanelKind): JsonObject {
  return {
    refId: String.fromCharCode(65 + index),
    datasource: DATASOURCE,
    editorMode: 'code',
    expr: t.expr,
    legendFormat: t.legend ?? '__auto',
    range: !t.instant,
    instant: t.instant === true,
    format: kind === 'table' ? 'table' : kind === 'heatmap' ? 'heatmap' : 'time_series',
  };
}

function fieldConfig(p: PanelSpec): JsonObject {
  const defaults: JsonObject = {
    color: { mode: p.kind === 'stat' ? 'thresholds' : 'palette-classic' },
    thresholds: {
      mode: 'absolute',
      steps: [{ color: 'green', value: null }, ...(p.thresholds ?? []).map(([value, color]) => ({ color, value }))],
    },
    mappings: (p.mappings ?? []).map((m) => ({
      type: 'value',
      options: { [m.value]: { text: m.text, color: m.color, index: 0 } },
    })),
  };
  if (p.unit !== undefined) defaults.unit = p.unit;
  if (p.min !== undefined) defaults.min = p.min;
  if (p.max !== undefined) defaults.max = p.max;
  if (p.kind === 'timeseries') {
    defaults.custom = { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never', spanNulls: false };
  }
  return { defaults, overrides: [] };
}

function options(kind: PanelKind): JsonObject {
  switch (kind) {
    case 'timeseries':
      return {
        legend: { showLegend: true, displayMode: 'table', placement: 'bottom', calcs: ['mean', 'max', 'lastNotNull'] },
        tooltip: { mode: 'multi', sort: 'desc' },
      };
    case 'stat':
      return {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        colorMode: 'background',
        graphMode: 'area',
        textMode: 'value_and_name',
        justifyMode: 'auto',
        orientation: 'auto',
      };
    case 'table':
      return { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], fields: '' } };
    case 'heatmap':
      return {
        calculate: false,
        cellGap: 1,
        color: { mode: 'scheme', scheme: 'Oranges', steps: 64, exponent: 0.5, fill: 'dark-orange', reverse: false },
        yAxis: { axisPlacement: 'left', reverse: false },
        rowsFrame: { layout: 'auto' },
        tooltip: { mode: 'single', yHistogram: true, showColorScale: false },
        legend: { show: true },
        exemplars: { color: 'rgba(255,0,255,0.7)' },
      };
  }
}

function panel(p: PanelSpec, id: number, gridPos: JsonObject): JsonObject {
  const json: JsonObject = {
    id,
    type: p.kind,
    title: p.title,
    description: p.description,
    gridPos,
    datasource: DATASOURCE,
    targets: p.targets.map((t, i) => target(t, i, p.kind)),
    fieldConfig: fieldConfig(p),
    options: options(p.kind),
  };
  // A table of an instant query comes with labels as columns already; the time adds nothing.
  if (p.kind === 'table') json.transformations = [{ id: 'organize', options: { excludeByName: { Time: true } } }];
  return json;
}

function variable(v: VariableSpec): JsonObject {
  return {
    name: v.name,
    label: v.label,
    type: 'query',
    datasource: DATASOURCE,
    definition: v.query,
    query: { query: v.query, refId: 'PrometheusVariableQueryEditor-VariableQuery', qryType: 1 },
    refresh: 2,
    // "All" is the regex `.*`, so every query uses the variable as `label=~"$name"`.
    includeAll: true,
    allValue: '.*',
    multi: true,
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: [],
    regex: '',
    sort: 1,
    hide: 0,
  };
}

const DATASOURCE_VARIABLE: JsonObject = {
  name: 'datasource',
  label: 'Data source',
  type: 'datasource',
  query: 'prometheus',
  current: {},
  includeAll: false,
  multi: false,
  options: [],
  refresh: 1,
  regex: '',
  hide: 0,
};

/** The dashboard JSON Grafana loads: rows as row panels, their panels flowing left to right below them. */
export function buildDashboard(spec: DashboardSpec): JsonObject {
  const panels: JsonObject[] = [];
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({
      id: id++,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { h: 1, w: GRID_WIDTH, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const p of row.panels) {
      const w = p.width ?? 12;
      const h = p.height ?? DEFAULT_HEIGHT;
      if (x + w > GRID_WIDTH) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      panels.push(panel(p, id++, { h, w, x, y }));
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: spec.tags,
    editable: true,
    graphTooltip: 1,
    refresh: '10s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-1h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    links: [
      { type: 'dashboards', title: 'Vigil', tags: ['vigil'], asDropdown: true, includeVars: true, keepTime: true },
    ],
    annotations: { list: [] },
    templating: { list: [DATASOURCE_VARIABLE, ...spec.variables.map(variable)] },
    panels,
  };
}
