import { parseDurationMs } from '@vigil/config';
import { parse } from 'yaml';

/** One series of an instant query: its labels (with `__name__` when kept) and value. */
export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface TargetMetadata {
  target: Record<string, string>;
  metric?: string;
  type: string;
  help: string;
}

interface ApiResponse<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

/** Prometheus refused a query: `message` is its own error text (a parse error names the position). */
export class PrometheusQueryError extends Error {
  constructor(
    readonly expr: string,
    readonly errorType: string,
    message: string,
  ) {
    super(`${errorType}: ${message}\n  in: ${expr}`);
    this.name = 'PrometheusQueryError';
  }
}

/** The HTTP API of the real Prometheus the local stack runs (deploy/local/stack.sh). */
export class PrometheusApi {
  constructor(readonly url = process.env.PROMETHEUS_URL ?? 'http://127.0.0.1:9090') {}

  private async get<T>(path: string, params: [string, string][] = [], expr = path): Promise<T> {
    const query = params.length > 0 ? `?${new URLSearchParams(params)}` : '';
    const response = await fetch(`${this.url}${path}${query}`, { signal: AbortSignal.timeout(15_000) });
    const body = (await response.json()) as ApiResponse<T>;
    if (body.status !== 'success' || body.data === undefined) {
      throw new PrometheusQueryError(expr, body.errorType ?? `HTTP ${response.status}`, body.error ?? 'no data');
    }
    return body.data;
  }

  /** An instant query now; throws PrometheusQueryError when Prometheus cannot parse or run it. */
  async query(expr: string): Promise<Sample[]> {
    const data = await this.get<{ resultType: string; result: unknown }>('/api/v1/query', [['query', expr]], expr);
    if (data.resultType === 'scalar') {
      const [, value] = data.result as [number, string];
      return [{ metric: {}, value: Number(value) }];
    }
    if (data.resultType !== 'vector') throw new PrometheusQueryError(expr, 'unexpected', data.resultType);
    return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({
      metric: r.metric,
      value: Number(r.value[1]),
    }));
  }

  /** The sum of an instant query's values, or 0 when it has no series (a counter not created yet). */
  async total(expr: string): Promise<number> {
    const samples = await this.query(expr);
    return samples.reduce((sum, s) => sum + s.value, 0);
  }

  /** Series matching a selector in the last `lookbackMs` (label sets, `__name__` included). */
  async series(selector: string, lookbackMs = 10 * 60_000): Promise<Record<string, string>[]> {
    const end = Date.now() / 1000;
    return this.get<Record<string, string>[]>(
      '/api/v1/series',
      [
        ['match[]', selector],
        ['start', String(end - lookbackMs / 1000)],
        ['end', String(end)],
      ],
      selector,
    );
  }

  /** Every metric name Prometheus holds samples of. */
  async metricNames(): Promise<Set<string>> {
    return new Set(await this.get<string[]>('/api/v1/label/__name__/values'));
  }

  /**
   * Metric families the live targets declared at their last scrape (`# HELP`/`# TYPE`),
   * samples or not: a labelled counter nobody has incremented yet is here.
   */
  async targetMetadata(metric: string): Promise<TargetMetadata[]> {
    const url = `${this.url}/api/v1/targets/metadata?${new URLSearchParams({ metric })}`;
    const body = (await (await fetch(url, { signal: AbortSignal.timeout(15_000) })).json()) as ApiResponse<
      TargetMetadata[]
    >;
    return body.data ?? [];
  }

  /** Health of each active target of a job: `up`, `down` or `unknown`. */
  async targetHealth(job: string): Promise<string[]> {
    const url = `${this.url}/api/v1/targets?state=active`;
    const body = (await (await fetch(url, { signal: AbortSignal.timeout(15_000) })).json()) as ApiResponse<{
      activeTargets: { labels: Record<string, string>; health: string }[];
    }>;
    return (body.data?.activeTargets ?? []).filter((t) => t.labels.job === job).map((t) => t.health);
  }

  /** The scrape interval of the configuration Prometheus runs with (its global one), in ms; 1 min if unreadable. */
  async scrapeIntervalMs(): Promise<number> {
    const { yaml } = await this.get<{ yaml: string }>('/api/v1/status/config');
    const config = parse(yaml) as { global?: { scrape_interval?: string } };
    return parseDurationMs(config.global?.scrape_interval ?? '1m') ?? 60_000;
  }
}
