import { VigilError } from '@vigil/errors';

/** A registered model version as the scoring service needs it. */
export interface ModelVersion {
  model: string;
  version: string;
  runId: string;
  /** e.g. `mlflow-artifacts:/12/<run>/artifacts/bundle` */
  source: string;
  tags: Readonly<Record<string, string>>;
}

export interface MlflowClientOptions {
  /** Each request's time limit. Default 5 s. */
  timeoutMs?: number;
}

/** Tag the science kit puts on every version: the sha256 of its bundle's manifest.json. */
export const MANIFEST_SHA_TAG = 'vigil.manifest_sha256';

const PROXY_SCHEME = 'mlflow-artifacts:/';

interface RawModelVersion {
  name?: string;
  version?: string;
  run_id?: string;
  source?: string;
  tags?: { key: string; value: string }[];
}

/**
 * The little of MLflow's REST API (3.x) that scoring needs: resolve an alias to
 * a version, and download a version's bundle files through the artifact proxy.
 *
 * Errors: unreachable, timed out or 5xx → VIGIL_MLFLOW_UNAVAILABLE (retriable:
 * keep serving what is loaded); unknown model or alias → VIGIL_MLFLOW_NOT_FOUND;
 * any other answer → VIGIL_MLFLOW_BAD_RESPONSE.
 */
export class MlflowClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(trackingUri: string, options: MlflowClientOptions = {}) {
    this.baseUrl = trackingUri.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** `GET /api/2.0/mlflow/registered-models/alias`: the version an alias points at now. */
  async versionByAlias(model: string, alias: string): Promise<ModelVersion> {
    const query = new URLSearchParams({ name: model, alias });
    const body = (await this.json(`/api/2.0/mlflow/registered-models/alias?${query}`, `${model}@${alias}`)) as {
      model_version?: RawModelVersion;
    };
    const raw = body.model_version;
    if (!raw?.version || !raw.source) {
      throw new VigilError('VIGIL_MLFLOW_BAD_RESPONSE', `MLflow answered ${model}@${alias} without version or source`, {
        model,
        alias,
      });
    }
    return {
      model,
      version: String(raw.version),
      runId: raw.run_id ?? '',
      source: raw.source,
      tags: Object.fromEntries((raw.tags ?? []).map((t) => [t.key, t.value])),
    };
  }

  /**
   * One file of a version's bundle, by its path inside the bundle folder. A
   * `mlflow-artifacts:/` source is read through the artifact proxy; any other
   * source through `get-artifact` of the run's `bundle/` folder.
   */
  async bundleFile(version: ModelVersion, path: string): Promise<Buffer> {
    const what = `${version.model} v${version.version} ${path}`;
    const encoded = path.split('/').map(encodeURIComponent).join('/');
    if (version.source.startsWith(PROXY_SCHEME)) {
      const root = version.source.slice(PROXY_SCHEME.length).replace(/^\/+|\/+$/g, '');
      return this.bytes(`/api/2.0/mlflow-artifacts/artifacts/${root}/${encoded}`, what);
    }
    if (!version.runId) {
      throw new VigilError(
        'VIGIL_SCORING_ARTIFACT_MISSING',
        `${version.model} v${version.version} has neither a proxied source nor a run id (source ${version.source})`,
        { model: version.model, version: version.version },
      );
    }
    const query = new URLSearchParams({ run_id: version.runId, path: `bundle/${path}` });
    return this.bytes(`/get-artifact?${query}`, what);
  }

  private async json(path: string, what: string): Promise<unknown> {
    const response = await this.request(path, what);
    const text = await response.text();
    if (!response.ok) throw this.refusal(response.status, text, what);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new VigilError('VIGIL_MLFLOW_BAD_RESPONSE', `MLflow answered ${what} with a body that is not JSON`, {
        cause: error,
        path,
      });
    }
  }

  private async bytes(path: string, what: string): Promise<Buffer> {
    const response = await this.request(path, what);
    if (!response.ok) {
      const error = this.refusal(response.status, await response.text(), what);
      if (error.code === 'VIGIL_MLFLOW_NOT_FOUND') {
        throw new VigilError('VIGIL_SCORING_ARTIFACT_MISSING', `${what} is not among the run's artifacts`, {
          cause: error,
          path,
        });
      }
      throw error;
    }
    try {
      return Buffer.from(await response.arrayBuffer());
    } catch (error) {
      throw this.unreachable(error, what);
    }
  }

  private async request(path: string, what: string): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}${path}`, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw this.unreachable(error, what);
    }
  }

  private unreachable(error: unknown, what: string): VigilError {
    return new VigilError('VIGIL_MLFLOW_UNAVAILABLE', `MLflow at ${this.baseUrl} is unreachable (${what})`, {
      cause: error,
    });
  }

  /** Maps a non-2xx answer to a code; MLflow says "not found" with 404 or, for aliases, 400 INVALID_PARAMETER_VALUE. */
  private refusal(status: number, text: string, what: string): VigilError {
    const detail = text.slice(0, 300);
    if (status >= 500 || status === 429) {
      return new VigilError('VIGIL_MLFLOW_UNAVAILABLE', `MLflow answered ${status} for ${what}: ${detail}`, { status });
    }
    let errorCode: string | undefined;
    let message: string | undefined;
    try {
      ({ error_code: errorCode, message } = JSON.parse(text) as { error_code?: string; message?: string });
    } catch {
      // Not JSON: reported below with the raw text.
    }
    const notFound =
      status === 404 ||
      errorCode === 'RESOURCE_DOES_NOT_EXIST' ||
      (errorCode === 'INVALID_PARAMETER_VALUE' && /alias .* not found/i.test(message ?? ''));
    if (notFound) return new VigilError('VIGIL_MLFLOW_NOT_FOUND', `MLflow: ${message ?? detail} (${what})`, { status });
    return new VigilError('VIGIL_MLFLOW_BAD_RESPONSE', `MLflow answered ${status} for ${what}: ${detail}`, { status });
  }
}
