import type { schemas } from '@vigil/control-api';
import type { z } from 'zod';
import { iso, type Queryable, query } from '../db.ts';
import { notFound } from '../errors.ts';
import { decodeCursor, pageOf } from '../paging.ts';
import { generateToken, hashToken, tokenDisplayPrefix } from '../tokens.ts';

export type TokenView = z.output<typeof schemas.Token>;
export type TokenCreatedView = z.output<typeof schemas.TokenCreated>;

interface TokenRow {
  id: string;
  user_id: string;
  user_name: string;
  name: string;
  prefix: string;
  created_at: Date;
  /** created_at as PostgreSQL prints it, microseconds kept: the page cursor (a Date would drop them). */
  created_key: string;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const SELECT_TOKENS = `
  SELECT t.id, t.user_id, u.name AS user_name, t.name, t.prefix, t.created_at, t.created_at::text AS created_key, t.expires_at, t.last_used_at, t.revoked_at
  FROM api_tokens t JOIN users u ON u.id = t.user_id`;

function view(row: TokenRow): TokenView {
  return {
    id: row.id,
    name: row.name,
    user: row.user_name,
    prefix: row.prefix,
    createdAt: iso(row.created_at) as string,
    expiresAt: iso(row.expires_at),
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}

/** A new token for `userId`: the answer holds the token, which is stored only as its hash. */
export async function issueToken(
  db: Queryable,
  userId: string,
  name: string,
  expiresInDays: number | undefined,
): Promise<TokenCreatedView> {
  const token = generateToken();
  const rows = await query<{ id: string }>(
    db,
    `INSERT INTO api_tokens (user_id, name, token_hash, prefix, expires_at)
     VALUES ($1, $2, $3, $4, CASE WHEN $5::int IS NULL THEN NULL ELSE now() + make_interval(days => $5::int) END)
     RETURNING id`,
    [userId, name, hashToken(token), tokenDisplayPrefix(token), expiresInDays ?? null],
  );
  const created = await getToken(db, (rows[0] as { id: string }).id);
  return { ...created.view, token };
}

export async function getToken(db: Queryable, id: string): Promise<{ view: TokenView; userId: string }> {
  const rows = await query<TokenRow>(db, `${SELECT_TOKENS} WHERE t.id = $1`, [id]);
  if (!rows[0]) throw notFound('token', id);
  return { view: view(rows[0]), userId: rows[0].user_id };
}

export async function listTokens(db: Queryable, userId: string, page: z.output<typeof schemas.PageQuery>) {
  const key = page.cursor === undefined ? null : decodeCursor(page.cursor, 2);
  const rows = await query<TokenRow>(
    db,
    `${SELECT_TOKENS} WHERE t.user_id = $1
       AND ($2::timestamptz IS NULL OR (t.created_at, t.id) < ($2::timestamptz, $3::uuid))
     ORDER BY t.created_at DESC, t.id DESC LIMIT $4`,
    [userId, key?.[0] ?? null, key?.[1] ?? null, page.limit + 1],
  );
  return pageOf(rows, page.limit, (row) => [row.created_key, row.id], view);
}

/** Revoked now; revoking a revoked token keeps its first revocation time. */
export async function revokeToken(db: Queryable, id: string): Promise<TokenView> {
  await query(db, 'UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1', [id]);
  return (await getToken(db, id)).view;
}
