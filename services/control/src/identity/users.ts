import type { schemas } from '@vigil/control-api';
import type { z } from 'zod';
import { iso, type Queryable, query } from '../db.ts';
import { controlError, notFound } from '../errors.ts';
import { decodeCursor, pageOf } from '../paging.ts';
import { effectiveRights } from '../rights.ts';

export type UserView = z.output<typeof schemas.User>;

interface UserRow {
  id: string;
  name: string;
  display_name: string | null;
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
  roles: string[];
  role_rights: string[][] | null;
}

// Roles and rights aggregated per user; rights as an array of arrays (one per role), unioned in effectiveRights.
const SELECT_USERS = `
  SELECT u.id, u.name, u.display_name, u.disabled, u.created_at, u.updated_at,
         coalesce(array_agg(r.name ORDER BY r.name) FILTER (WHERE r.id IS NOT NULL), '{}') AS roles,
         coalesce(json_agg(r.rights) FILTER (WHERE r.id IS NOT NULL), '[]') AS role_rights
  FROM users u
  LEFT JOIN user_roles ur ON ur.user_id = u.id
  LEFT JOIN roles r ON r.id = ur.role_id`;

function view(row: UserRow): UserView {
  return {
    id: row.id,
    name: row.name,
    displayName: row.display_name,
    disabled: row.disabled,
    roles: row.roles,
    rights: effectiveRights(row.role_rights ?? []),
    createdAt: iso(row.created_at) as string,
    updatedAt: iso(row.updated_at) as string,
  };
}

export async function findUser(db: Queryable, where: { id: string } | { name: string }): Promise<UserView | undefined> {
  const [column, value] = 'id' in where ? ['u.id', where.id] : ['u.name', where.name];
  const rows = await query<UserRow>(db, `${SELECT_USERS} WHERE ${column} = $1 GROUP BY u.id`, [value]);
  return rows[0] && view(rows[0]);
}

export async function getUser(db: Queryable, name: string): Promise<UserView> {
  const user = await findUser(db, { name });
  if (!user) throw notFound('user', name);
  return user;
}

export async function listUsers(db: Queryable, page: z.output<typeof schemas.PageQuery>) {
  const after = page.cursor === undefined ? null : String(decodeCursor(page.cursor, 1)[0]);
  const rows = await query<UserRow>(
    db,
    `${SELECT_USERS} WHERE ($1::text IS NULL OR u.name > $1) GROUP BY u.id ORDER BY u.name LIMIT $2`,
    [after, page.limit + 1],
  );
  return pageOf(rows, page.limit, (row) => [row.name], view);
}

/** A new user's id. */
export async function insertUser(db: Queryable, name: string, displayName: string | null): Promise<string> {
  const rows = await query<{ id: string }>(db, 'INSERT INTO users (name, display_name) VALUES ($1, $2) RETURNING id', [
    name,
    displayName,
  ]);
  return (rows[0] as { id: string }).id;
}

/** Changes what `change` holds; an absent field stays, a null display name clears it. */
export async function updateUserRow(
  db: Queryable,
  id: string,
  change: { displayName?: string | null; disabled?: boolean },
): Promise<void> {
  await query(
    db,
    `UPDATE users SET
       display_name = CASE WHEN $2::boolean THEN $3::text ELSE display_name END,
       disabled = coalesce($4::boolean, disabled),
       updated_at = now()
     WHERE id = $1`,
    [id, change.displayName !== undefined, change.displayName ?? null, change.disabled ?? null],
  );
}

/** Deletes the user; their role assignments and tokens go with them (ON DELETE CASCADE). */
export async function deleteUserRow(db: Queryable, id: string): Promise<void> {
  await query(db, 'DELETE FROM users WHERE id = $1', [id]);
}

/** Role ids by name; a name that is not a role is a 400 naming it. */
export async function roleIds(db: Queryable, names: readonly string[]): Promise<string[]> {
  const unique = [...new Set(names)];
  if (unique.length === 0) return [];
  const rows = await query<{ id: string; name: string }>(db, 'SELECT id, name FROM roles WHERE name = ANY($1)', [
    unique,
  ]);
  const missing = unique.filter((n) => !rows.some((r) => r.name === n));
  if (missing.length > 0) {
    throw controlError('VIGIL_CONTROL_BAD_REQUEST', `no role named ${missing.join(', ')}`, {
      issues: missing.map((n) => ({ path: 'roles', message: `no role named ${n}` })),
    });
  }
  return rows.map((r) => r.id);
}

export async function setUserRoles(db: Queryable, userId: string, roleIdList: readonly string[]): Promise<void> {
  await query(db, 'DELETE FROM user_roles WHERE user_id = $1', [userId]);
  if (roleIdList.length > 0) {
    await query(db, 'INSERT INTO user_roles (user_id, role_id) SELECT $1::uuid, unnest($2::uuid[])', [
      userId,
      roleIdList,
    ]);
  }
}

/** Enabled users holding `administer` (through any role). */
export async function countAdministrators(db: Queryable): Promise<number> {
  const rows = await query<{ n: number }>(
    db,
    `SELECT count(*)::int AS n FROM users u
     WHERE NOT u.disabled AND EXISTS (
       SELECT 1 FROM user_roles ur JOIN roles r ON r.id = ur.role_id
       WHERE ur.user_id = u.id AND 'administer' = ANY (r.rights))`,
  );
  return rows[0]?.n ?? 0;
}

/**
 * Refuses a change that would leave no enabled user holding `administer`:
 * nobody could then manage users or roles again. Runs inside the change's
 * transaction, after it, so the change rolls back.
 */
export async function assertAdministratorRemains(db: Queryable): Promise<void> {
  if ((await countAdministrators(db)) === 0) {
    throw controlError('VIGIL_CONTROL_LAST_ADMIN', 'this would leave no enabled user with the administer right');
  }
}
