import { incidents } from './incidents.ts';
import { modelScores } from './model-scores.ts';
import { buildDashboard, type DashboardSpec, type JsonObject } from './panels.ts';
import { pipelineHealth } from './pipeline-health.ts';

export * from './panels.ts';

/** Where the generated dashboards live, relative to deploy/grafana (inside the folder docker-compose.yml mounts). */
export const DASHBOARDS_DIR = 'provisioning/dashboards/vigil';

/** Every provisioned dashboard, by file name. */
export const DASHBOARD_SPECS: Readonly<Record<string, DashboardSpec>> = {
  'pipeline-health.json': pipelineHealth,
  'model-scores.json': modelScores,
  'incidents.json': incidents,
};

export function buildDashboards(): Record<string, JsonObject> {
  return Object.fromEntries(Object.entries(DASHBOARD_SPECS).map(([file, spec]) => [file, buildDashboard(spec)]));
}
