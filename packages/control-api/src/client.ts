import {
  API_PREFIX,
  CONTROL_ROUTES,
  type RouteInput,
  type RouteName,
  type RouteOutput,
  type RouteSpec,
} from './routes.ts';
import { ErrorBody } from './schemas.ts';

/** An answer that is not 2xx: the API's `{code, message}` with the HTTP status. */
export class ControlApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly issues: { path: string; message: string }[] | undefined;

  constructor(status: number, code: string, message: string, issues?: { path: string; message: string }[]) {
    super(message);
    this.name = 'ControlApiError';
    this.status = status;
    this.code = code;
    this.issues = issues;
  }
}

export interface ControlClientOptions {
  /** e.g. http://127.0.0.1:9410 */
  baseUrl: string;
  /** The bearer: an API token (`vgl_…`), a JWT from the configured issuer, or the bootstrap token. */
  token?: string;
  /** Each call's time limit. Default 30 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface ControlClient {
  call<N extends RouteName>(
    name: N,
    input: RouteInput<(typeof CONTROL_ROUTES)[N]>,
  ): Promise<RouteOutput<(typeof CONTROL_ROUTES)[N]>>;
}

function buildPath(spec: RouteSpec, params: Record<string, unknown> | undefined): string {
  return spec.path.replace(/:([a-zA-Z]+)/g, (_, key: string) => {
    const value = params?.[key];
    if (value === undefined) throw new TypeError(`${spec.path}: missing path parameter ${key}`);
    return encodeURIComponent(String(value));
  });
}

function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * A typed client of the control API, derived from the same route table the
 * service registers: inputs are typed by the route's zod schemas and every
 * answer is parsed with its response schema, so a service that answered
 * something else fails here, loudly.
 */
export function createControlClient(options: ControlClientOptions): ControlClient {
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');
  return {
    async call(name, input) {
      const spec: RouteSpec = CONTROL_ROUTES[name];
      const { params, query, body } = input as {
        params?: Record<string, unknown>;
        query?: Record<string, unknown>;
        body?: unknown;
      };
      const url = `${base}${API_PREFIX}${buildPath(spec, params)}${queryString(query)}`;
      const headers: Record<string, string> = { accept: 'application/json' };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await doFetch(url, {
        method: spec.method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      const text = await response.text();
      const json: unknown = text === '' ? undefined : safeJson(text);
      if (!response.ok) {
        const error = ErrorBody.safeParse(json);
        if (error.success)
          throw new ControlApiError(response.status, error.data.code, error.data.message, error.data.issues);
        throw new ControlApiError(
          response.status,
          'HTTP_ERROR',
          `${spec.method} ${url} answered ${response.status}: ${text.slice(0, 200)}`,
        );
      }
      if (!spec.response) return undefined as RouteOutput<(typeof CONTROL_ROUTES)[typeof name]>;
      return spec.response.parse(json) as RouteOutput<(typeof CONTROL_ROUTES)[typeof name]>;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
