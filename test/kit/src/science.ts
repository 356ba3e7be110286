/**
 * The science kit (the project's Python package `vigil_science`) and the SKAB
 * data, as tests and benchmarks use them: train and register a module in the
 * stack's MLflow, delete it again, and read SKAB's files (or the kit's
 * generated SKAB-like ones when VIGIL_DATASETS is unset).
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { datasetsDir, stackEnv, uniqueName } from './env.ts';
import { REPO_ROOT } from './process.ts';

const run = promisify(execFile);
/** The project's virtualenv Python, which has the science kit installed. */
export const PYTHON = join(REPO_ROOT, '.venv/bin/python');

/** The environment of a science-kit command: the stack's MLflow. */
export function mlflowEnv(): NodeJS.ProcessEnv {
  return { ...process.env, MLFLOW_TRACKING_URI: stackEnv.mlflowUri };
}

/** One call of MLflow's REST API; fails on an error status. */
export async function mlflowCall(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${stackEnv.mlflowUri}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`MLflow ${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

/** `python -m vigil_science train … --register`: the science kit logs a run and registers a version; returns it. */
export async function trainAndRegister(options: {
  config: string;
  data: string[];
  model: string;
  out: string;
  alias?: string;
  extra?: string[];
}): Promise<string> {
  const args = ['-m', 'vigil_science', 'train', '--config', options.config, '--out', options.out, '--register'];
  for (const d of options.data) args.push('--data', d);
  args.push(
    '--model-name',
    options.model,
    ...(options.alias ? ['--alias', options.alias] : []),
    ...(options.extra ?? []),
  );
  const { stdout } = await run(PYTHON, args, { cwd: REPO_ROOT, timeout: 300_000, env: mlflowEnv() });
  const version = /registered \S+ version (\d+)/.exec(stdout)?.[1];
  if (!version) throw new Error(`no version in the kit's output:\n${stdout}`);
  return version;
}

/** Deletes a registered model and its `vigil-<model>` experiment (runs and artifacts go with it). */
export async function deleteModel(model: string): Promise<void> {
  await mlflowCall('DELETE', '/api/2.0/mlflow/registered-models/delete', { name: model }).catch(() => undefined);
  const found = (await mlflowCall(
    'GET',
    `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(`vigil-${model}`)}`,
  ).catch(() => ({}))) as { experiment?: { experiment_id: string } };
  if (found.experiment) {
    await mlflowCall('POST', '/api/2.0/mlflow/experiments/delete', {
      experiment_id: found.experiment.experiment_id,
    }).catch(() => undefined);
  }
}

/** Rows at the head of a labelled SKAB file that train a module on SKAB's protocol, all before its anomaly. */
export const SKAB_TRAIN_ROWS = 400;

/**
 * The pipeline's models as its SKAB integration test and the end-to-end benchmark run them,
 * under fresh names starting with `prefix`: skab-predictive as `published` (its incidents are
 * actionable) and skab-envelope as `challenger` (shadow incidents). Each is trained on SKAB's
 * protocol — the anomaly-free file plus the first SKAB_TRAIN_ROWS rows of the labelled file,
 * whose operating point differs — and registered in MLflow. `registering` hears each name
 * before it is trained, so the caller can delete it even after a failure. `scoringModels` is
 * the SCORING_MODELS value that loads both.
 */
export async function trainPipelineModels(
  data: SkabData,
  work: string,
  prefix: string,
  registering: (model: string) => void,
): Promise<{ published: string; challenger: string; scoringModels: string }> {
  const names = { published: '', challenger: '' };
  for (const [module, alias] of [
    ['skab-predictive', 'published'],
    ['skab-envelope', 'challenger'],
  ] as const) {
    const model = uniqueName(`${prefix}-${module.replace('skab-', '')}`);
    registering(model);
    await trainAndRegister({
      config: join(REPO_ROOT, `science/modules/${module}.json`),
      data: [data.anomalous],
      model,
      out: join(work, model),
      alias,
      extra: ['--first-rows', String(SKAB_TRAIN_ROWS), '--full-data', data.normal],
    });
    names[alias] = model;
  }
  const scoringModels = `${names.published}@published,${names.challenger}@challenger`;
  return { ...names, scoringModels };
}

export interface SkabData {
  /** The anomaly-free file (training and the "almost none" check). */
  normal: string;
  /** A labelled file with one anomalous segment. */
  anomalous: string;
  /** Every labelled file (each holds one anomalous segment), in a stable order. */
  labelled: string[];
  origin: string;
}

/** SKAB files: the real ones when VIGIL_DATASETS is set, else the science kit's generated SKAB-like layout. */
export async function skabData(work: string): Promise<SkabData> {
  const datasets = datasetsDir();
  if (datasets) {
    const root = join(datasets, 'skab/data');
    return {
      normal: join(root, 'anomaly-free/anomaly-free.csv'),
      anomalous: join(root, 'valve1/0.csv'),
      labelled: labelledFiles(root),
      origin: 'SKAB',
    };
  }
  const root = join(work, 'generated');
  await run(
    PYTHON,
    [
      '-c',
      `from pathlib import Path; from vigil_science.generator import generate; generate(Path(${JSON.stringify(root)}))`,
    ],
    { cwd: REPO_ROOT },
  );
  return {
    normal: join(root, 'anomaly-free/anomaly-free.csv'),
    anomalous: join(root, 'valve/0.csv'),
    labelled: labelledFiles(root),
    origin: 'generated pump telemetry (VIGIL_DATASETS is unset)',
  };
}

export interface SkabRow {
  ts: number;
  values: Record<string, number>;
  anomaly: boolean;
}

const LABEL_COLUMNS = new Set(['anomaly', 'changepoint']);

/** Rows of a SKAB `;` CSV: event time (naive = UTC), the signals, and the anomaly label. */
export function readSkab(file: string): SkabRow[] {
  const [columns = [], ...records] = parse(readFileSync(file, 'utf8'), {
    delimiter: ';',
    bom: true,
    skip_empty_lines: true,
  }) as string[][];
  const anomaly = columns.indexOf('anomaly');
  return records.map((cells) => {
    const values: Record<string, number> = {};
    columns.forEach((column, i) => {
      if (i > 0 && !LABEL_COLUMNS.has(column) && cells[i] !== '') values[column] = Number(cells[i]);
    });
    return {
      ts: Date.parse(`${(cells[0] ?? '').replace(' ', 'T')}Z`),
      values,
      anomaly: Number(cells[anomaly]) === 1,
    };
  });
}

/** The `;` CSV files under `root`'s folders except `anomaly-free/`: SKAB's labelled experiments. */
function labelledFiles(root: string): string[] {
  const order = new Intl.Collator('en', { numeric: true }).compare;
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'anomaly-free')
    .map((entry) => entry.name)
    .sort(order)
    .flatMap((folder) =>
      readdirSync(join(root, folder))
        .filter((file) => file.endsWith('.csv'))
        .sort(order)
        .map((file) => join(root, folder, file)),
    );
}
