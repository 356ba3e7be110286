import { setTimeout as wait } from 'node:timers/promises';

/**
 * Resolves after `ms` milliseconds (a negative `ms` counts as 0, instead of
 * Node's 1 ms with a TimeoutNegativeWarning). With a `signal`, rejects with
 * its AbortError as soon as it is aborted.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return wait(Math.max(0, ms), undefined, signal ? { signal } : undefined);
}

/** How a retried step waits between attempts. */
export interface BackoffPolicy {
  /** The wait before the first retry. */
  initialMs: number;
  /** The longest wait, however many attempts failed. */
  maxMs: number;
  /** Growth from one attempt to the next. Default 2. */
  factor?: number;
  /**
   * `none`: exactly the capped delay (a restart schedule that logs and tests
   * can predict). `half`: uniform in [delay / 2, delay), so that members or
   * services that failed together do not all retry in the same instant.
   * Default `none`.
   */
  jitter?: 'none' | 'half';
}

/**
 * The wait after `attempt` failures (0 before the first retry):
 * `min(initialMs × factor^attempt, maxMs)`, jittered by the policy with
 * `random` (uniform in [0, 1), Math.random by default; tests pass a seeded one).
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  // After a long streak factor^attempt is Infinity, capped below; 0 × Infinity would be NaN.
  const grown = policy.initialMs === 0 ? 0 : policy.initialMs * (policy.factor ?? 2) ** attempt;
  const delay = Math.min(grown, policy.maxMs);
  return policy.jitter === 'half' ? delay / 2 + random() * (delay / 2) : delay;
}
