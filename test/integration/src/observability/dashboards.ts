import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO_ROOT } from '@vigil/test-kit';
import { DASHBOARDS_DIR } from '../../../../deploy/grafana/src/index.ts';

/** The dashboard JSON as Grafana reads it, as far as the tests look into it. */
export interface GrafanaTarget {
  refId: string;
  expr: string;
  legendFormat?: string;
  instant?: boolean;
  datasource?: { type: string; uid: string };
}

export interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: GrafanaTarget[];
  panels?: GrafanaPanel[];
}

export interface GrafanaVariable {
  name: string;
  type: string;
  query: string | { query: string };
  definition?: string;
  allValue?: string;
}

export interface GrafanaDashboard {
  uid: string;
  title: string;
  panels: GrafanaPanel[];
  templating: { list: GrafanaVariable[] };
}

export interface LoadedDashboard {
  file: string;
  dashboard: GrafanaDashboard;
  /** Every panel that is not a row, rows' collapsed children included. */
  panels: GrafanaPanel[];
}

export const GRAFANA_DIR = resolve(REPO_ROOT, 'deploy/grafana');
export const DASHBOARDS_PATH = resolve(GRAFANA_DIR, DASHBOARDS_DIR);

function flatten(panels: readonly GrafanaPanel[]): GrafanaPanel[] {
  return panels.flatMap((p) => (p.type === 'row' ? flatten(p.panels ?? []) : [p]));
}

/** Every dashboard file Grafana provisions, parsed. */
export function loadDashboards(): LoadedDashboard[] {
  return readdirSync(DASHBOARDS_PATH)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const dashboard = JSON.parse(readFileSync(resolve(DASHBOARDS_PATH, file), 'utf8')) as GrafanaDashboard;
      return { file, dashboard, panels: flatten(dashboard.panels) };
    });
}

/** The PromQL of a query variable (`label_values(...)`), whichever form the JSON keeps it in. */
export function variableQuery(variable: GrafanaVariable): string {
  return typeof variable.query === 'string' ? variable.query : variable.query.query;
}
