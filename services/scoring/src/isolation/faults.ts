/**
 * Fault injection: a TEST HOOK, active only when the service runs with
 * `VIGIL_FAULT_INJECTION=1` and `SCORING_FAULTS=model@alias=kind;…` (the config
 * refuses SCORING_FAULTS otherwise). The module is loaded and verified for
 * real; the fault replaces its scoring, inside the isolate, so that the
 * isolation tests exercise the real failure paths of the host:
 *
 * - `hang`  — a synchronous endless loop: the isolate stops answering (MODULE_TIMEOUT, then a restart);
 * - `crash` — an uncaught exception outside any call: the isolate dies (MODULE_CRASHED, then a restart);
 * - `throw` — the scoring call rejects: the isolate stays up (MODULE_ERROR);
 * - `oom`   — allocates until the heap limit: the isolate is killed by V8 (MODULE_OUT_OF_MEMORY or MODULE_CRASHED);
 * - `hang-once`, `crash-once` — the same in the first isolate only: the restarted one scores (recovery).
 */
export const FAULT_KINDS = ['hang', 'crash', 'throw', 'oom', 'hang-once', 'crash-once'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The fault an isolate plays: `*-once` faults only in the first isolate of a host. */
export function faultFor(kind: FaultKind | null | undefined, launch: number): FaultKind | null {
  if (!kind) return null;
  if (kind === 'hang-once') return launch === 0 ? 'hang' : null;
  if (kind === 'crash-once') return launch === 0 ? 'crash' : null;
  return kind;
}

/** Never resolves normally: it throws, blocks, or ends the isolate. */
export function injectFault(kind: FaultKind): Promise<never> {
  if (kind === 'hang-once' || kind === 'crash-once') return injectFault(kind === 'hang-once' ? 'hang' : 'crash');
  switch (kind) {
    case 'hang':
      for (;;) {
        // A synchronous endless loop: the point is to never return.
      }
    case 'crash':
      setImmediate(() => {
        throw new Error('injected crash (VIGIL_FAULT_INJECTION)');
      });
      return new Promise<never>(() => undefined);
    case 'throw':
      return Promise.reject(new Error('injected failure (VIGIL_FAULT_INJECTION)'));
    case 'oom': {
      const hoard: number[][] = [];
      for (;;) hoard.push(new Array<number>(1_000_000).fill(hoard.length));
    }
  }
}
