import type { schemas } from '@vigil/control-api';
import type { z } from 'zod';
import { iso, type Queryable, query } from './db.ts';
import { decodeCursor, pageOf } from './paging.ts';

export interface AuditRecord {
  actor: { id: string; name: string } | null;
  action: string;
  targetType: string;
  targetId: string | null;
  before?: unknown;
  after?: unknown;
  outcome: 'ok' | 'denied';
  code?: string;
  requestId: string;
}

/** One audit row; inside the change's transaction when `db` is its client. */
export async function writeAudit(db: Queryable, record: AuditRecord): Promise<void> {
  await query(
    db,
    `INSERT INTO audit (actor_id, actor, action, target_type, target_id, before, after, outcome, code, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      record.actor?.id ?? null,
      record.actor?.name ?? null,
      record.action,
      record.targetType,
      record.targetId,
      record.before === undefined ? null : JSON.stringify(record.before),
      record.after === undefined ? null : JSON.stringify(record.after),
      record.outcome,
      record.code ?? null,
      record.requestId,
    ],
  );
}

interface AuditRow {
  id: string;
  at: Date;
  actor: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  before: unknown;
  after: unknown;
  outcome: 'ok' | 'denied';
  code: string | null;
}

type AuditQuery = z.output<typeof schemas.AuditQuery>;

/** Newest first; every filter narrows, and the cursor is the last id shown. */
export async function listAudit(db: Queryable, filter: AuditQuery) {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    where.push(sql.replace('?', `$${values.length}`));
  };
  if (filter.actor !== undefined) add('actor = ?', filter.actor);
  if (filter.action !== undefined) add('action = ?', filter.action);
  if (filter.targetType !== undefined) add('target_type = ?', filter.targetType);
  if (filter.targetId !== undefined) add('target_id = ?', filter.targetId);
  if (filter.outcome !== undefined) add('outcome = ?', filter.outcome);
  if (filter.from !== undefined) add('at >= ?', filter.from);
  if (filter.to !== undefined) add('at < ?', filter.to);
  if (filter.cursor !== undefined) add('id < ?', String(decodeCursor(filter.cursor, 1)[0]));
  values.push(filter.limit + 1);
  const rows = await query<AuditRow>(
    db,
    // ORDER BY audit.id, the bigint: a bare `id` would be the text output column and sort 9 after 10.
    `SELECT audit.id::text AS id, at, actor, action, target_type, target_id, before, after, outcome, code FROM audit
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY audit.id DESC LIMIT $${values.length}`,
    values,
  );
  return pageOf(
    rows,
    filter.limit,
    (row) => [row.id],
    (row) => ({
      id: row.id,
      at: iso(row.at) as string,
      actor: row.actor,
      action: row.action,
      targetType: row.target_type,
      targetId: row.target_id,
      before: row.before,
      after: row.after,
      outcome: row.outcome,
      code: row.code,
    }),
  );
}
