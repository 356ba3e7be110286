import { MlflowClient, type ModelRef, refName, scoringEnv } from '@vigil/scoring';
import { stackEnv } from '@vigil/test-kit';
import { metricsPort, runScript } from './services.ts';

/**
 * The models the scoring service serves when nobody sets SCORING_MODELS: the
 * reference modules, two published and two challengers (services/scoring/src/config.ts).
 */
export const SCORING_MODELS: readonly ModelRef[] = scoringEnv.SCORING_MODELS.parse(undefined);

/**
 * Makes SCORING_MODELS' aliases exist in the stack's MLflow with the script
 * `./vigil demo` runs (scripts/reference-models.sh): aliases that exist are
 * reused as they are; when one is missing, the reference modules are trained
 * and registered (about a minute, once: the script holds a lock).
 */
export async function ensureReferenceModels(): Promise<void> {
  await runScript('reference-models.sh', SCORING_MODELS.map(refName), 900_000);
}

const mlflow = () => new MlflowClient(stackEnv.mlflowUri, { timeoutMs: 15_000 });

/** The version each `model@alias` of SCORING_MODELS points at in MLflow now. */
export async function aliasVersions(): Promise<Map<string, string>> {
  const client = mlflow();
  const versions = new Map<string, string>();
  for (const ref of SCORING_MODELS)
    versions.set(refName(ref), (await client.versionByAlias(ref.model, ref.alias)).version);
  return versions;
}

interface Quantiles {
  p: number[];
  q: number[];
}

/**
 * The median of every input signal of SCORING_MODELS' modules in their training
 * data (each served version's `reference.json`): a record of these is what the
 * modules were trained on, so it scores (the loader's test inference uses the
 * same record) and scores as normal.
 */
export async function trainingMedians(): Promise<Record<string, number>> {
  const client = mlflow();
  const medians: Record<string, number> = {};
  for (const ref of SCORING_MODELS) {
    const version = await client.versionByAlias(ref.model, ref.alias);
    const reference = JSON.parse((await client.bundleFile(version, 'reference.json')).toString('utf8')) as {
      inputs?: Record<string, { quantiles?: Quantiles } | undefined>;
    };
    for (const [signal, stats] of Object.entries(reference.inputs ?? {})) {
      const k = stats?.quantiles?.p.indexOf(0.5) ?? -1;
      const median = stats?.quantiles?.q[k];
      if (typeof median !== 'number' || !Number.isFinite(median))
        throw new Error(`${refName(ref)} v${version.version}: reference.json has no median of ${signal}`);
      medians[signal] ??= median;
    }
  }
  return medians;
}

/**
 * Fails unless the scoring service on its metrics port serves exactly
 * SCORING_MODELS: one someone else started with another SCORING_MODELS would
 * score other models than the ones this test checks.
 */
export async function assertScoringServesDefaults(): Promise<void> {
  const port = metricsPort('scoring');
  const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5_000) });
  const { checks = {} } = (await response.json()) as { checks?: Record<string, string> };
  const serving = Object.keys(checks)
    .filter((check) => check.startsWith('model '))
    .map((check) => check.slice('model '.length));
  const wanted = SCORING_MODELS.map(refName);
  if ([...serving].sort().join() !== [...wanted].sort().join())
    throw new Error(
      `the scoring service on :${port} serves ${serving.join(', ') || 'no model'}, not the default SCORING_MODELS ` +
        `(${wanted.join(', ')}): it was started with another SCORING_MODELS; stop it (./vigil services stop scoring) and run again`,
    );
}
