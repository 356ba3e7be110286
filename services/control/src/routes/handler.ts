import {
  CONTROL_ROUTES,
  type ControlRoutes,
  type RouteName,
  type RouteOutput,
  type RouteRequest,
} from '@vigil/control-api';
import type pg from 'pg';
import { writeAudit } from '../audit.ts';
import { inTransaction } from '../db.ts';
import { controlError } from '../errors.ts';
import type { RequestContext } from '../principal.ts';

export type Handler<N extends RouteName> = (
  request: RouteRequest<ControlRoutes[N]>,
  context: RequestContext,
) => Promise<RouteOutput<ControlRoutes[N]>>;

export type Handlers<N extends RouteName> = { [K in N]: Handler<K> };

/** What the handlers use. */
export interface ControlDeps {
  pool: pg.Pool;
  /** The bootstrap token, when one is configured. */
  bootstrapToken: string | undefined;
}

/** `markup` of `markup.update`: the audit row's target type. */
export function targetTypeOf(action: string): string {
  return action.split('.')[0] ?? action;
}

export function actorOf(context: RequestContext): { id: string; name: string } | null {
  return context.principal ? { id: context.principal.userId, name: context.principal.name } : null;
}

/** The caller; only the bootstrap route runs without one. */
export function principalOf(context: RequestContext) {
  if (!context.principal) throw controlError('VIGIL_CONTROL_UNAUTHENTICATED', 'no caller');
  return context.principal;
}

export interface ChangeOutcome<T> {
  targetId: string;
  before?: unknown;
  after?: unknown;
  result: T;
}

/**
 * Runs a change and writes its audit row (who, action, target, before → after)
 * in the same transaction: there is no change without its row, and no row for
 * a change that rolled back.
 */
export async function audited<T>(
  deps: ControlDeps,
  context: RequestContext,
  route: RouteName,
  work: (client: pg.PoolClient) => Promise<ChangeOutcome<T>>,
): Promise<T> {
  const action = CONTROL_ROUTES[route].action;
  return inTransaction(deps.pool, async (client) => {
    const outcome = await work(client);
    await writeAudit(client, {
      actor: actorOf(context),
      action,
      targetType: targetTypeOf(action),
      targetId: outcome.targetId,
      before: outcome.before,
      after: outcome.after,
      outcome: 'ok',
      requestId: context.requestId,
    });
    return outcome.result;
  });
}

/** Writes the refusal to the audit log, then answers 403 VIGIL_CONTROL_FORBIDDEN. */
export async function deny(
  pool: pg.Pool,
  context: RequestContext,
  action: string,
  targetId: string | null,
  reason: string,
): Promise<never> {
  await writeAudit(pool, {
    actor: actorOf(context),
    action,
    targetType: targetTypeOf(action),
    targetId,
    outcome: 'denied',
    code: 'VIGIL_CONTROL_FORBIDDEN',
    requestId: context.requestId,
  });
  throw controlError('VIGIL_CONTROL_FORBIDDEN', reason, { action });
}
