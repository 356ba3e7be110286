import type { Right, schemas } from '@vigil/control-api';
import type { z } from 'zod';
import { iso, type Queryable, query } from '../db.ts';
import { notFound } from '../errors.ts';
import { decodeCursor, pageOf } from '../paging.ts';
import { normaliseRights } from '../rights.ts';

export type RoleView = z.output<typeof schemas.Role>;

interface RoleRow {
  id: string;
  name: string;
  description: string | null;
  rights: Right[];
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, description, rights, created_at, updated_at';

function view(row: RoleRow): RoleView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    rights: normaliseRights(row.rights),
    createdAt: iso(row.created_at) as string,
    updatedAt: iso(row.updated_at) as string,
  };
}

export async function getRole(db: Queryable, name: string): Promise<RoleView> {
  const rows = await query<RoleRow>(db, `SELECT ${COLUMNS} FROM roles WHERE name = $1`, [name]);
  if (!rows[0]) throw notFound('role', name);
  return view(rows[0]);
}

export async function listRoles(db: Queryable, page: z.output<typeof schemas.PageQuery>) {
  const after = page.cursor === undefined ? null : String(decodeCursor(page.cursor, 1)[0]);
  const rows = await query<RoleRow>(
    db,
    `SELECT ${COLUMNS} FROM roles WHERE ($1::text IS NULL OR name > $1) ORDER BY name LIMIT $2`,
    [after, page.limit + 1],
  );
  return pageOf(rows, page.limit, (row) => [row.name], view);
}

export async function insertRole(
  db: Queryable,
  role: { name: string; description: string | null; rights: readonly Right[] },
): Promise<RoleView> {
  const rows = await query<RoleRow>(
    db,
    `INSERT INTO roles (name, description, rights) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
    [role.name, role.description, normaliseRights(role.rights)],
  );
  return view(rows[0] as RoleRow);
}

export async function updateRole(
  db: Queryable,
  name: string,
  change: { description?: string | null; rights?: readonly Right[] },
): Promise<RoleView> {
  const rows = await query<RoleRow>(
    db,
    `UPDATE roles SET
       description = CASE WHEN $2::boolean THEN $3::text ELSE description END,
       rights = coalesce($4::text[], rights),
       updated_at = now()
     WHERE name = $1 RETURNING ${COLUMNS}`,
    [
      name,
      change.description !== undefined,
      change.description ?? null,
      change.rights === undefined ? null : normaliseRights(change.rights),
    ],
  );
  if (!rows[0]) throw notFound('role', name);
  return view(rows[0]);
}

export async function deleteRole(db: Queryable, name: string): Promise<void> {
  const rows = await query(db, 'DELETE FROM roles WHERE name = $1 RETURNING id', [name]);
  if (rows.length === 0) throw notFound('role', name);
}
