import type { schemas } from '@vigil/control-api';
import type { z } from 'zod';
import { iso, type Queryable, query } from '../db.ts';
import { controlError, notFound } from '../errors.ts';
import { decodeCursor, pageOf } from '../paging.ts';
import { markupIssues } from './validate.ts';

type MarkupInput = z.output<typeof schemas.MarkupInput>;
export type MarkupView = z.output<typeof schemas.Markup>;

interface VersionRow {
  id: string;
  name: string;
  description: string | null;
  scope: MarkupView['scope'];
  signals: string[] | null;
  intervals: MarkupView['intervals'];
  version: number;
  markup_created_at: Date;
  created_at: Date;
  created_by: string | null;
}

const VERSION_COLUMNS = `m.id, v.name, v.description, v.scope, v.signals, v.intervals, v.version,
  m.created_at AS markup_created_at, v.created_at, v.created_by`;
// A list shows counts, not intervals (up to 10,000 a markup): it reads none of them.
const SUMMARY_COLUMNS = `m.id, v.name, v.description, v.scope, v.signals, '[]'::jsonb AS intervals, v.version,
  m.created_at AS markup_created_at, v.created_at, v.created_by`;
const CURRENT = `FROM markups m JOIN markup_versions v ON v.markup_id = m.id AND v.version = m.version`;

function view(row: VersionRow): MarkupView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    scope: row.scope,
    signals: row.signals,
    intervals: row.intervals,
    version: row.version,
    createdAt: iso(row.markup_created_at) as string,
    updatedAt: iso(row.created_at) as string,
    updatedBy: row.created_by,
  };
}

/** The markup as stored: checked (VIGIL_CONTROL_INVALID_MARKUP lists every problem), times in UTC. */
export function checkedMarkup(input: MarkupInput): MarkupInput {
  const issues = markupIssues(input);
  if (issues.length > 0) {
    throw controlError(
      'VIGIL_CONTROL_INVALID_MARKUP',
      `invalid markup: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      {
        issues,
      },
    );
  }
  return {
    ...input,
    intervals: input.intervals.map((i) => ({
      ...i,
      from: new Date(i.from).toISOString(),
      to: new Date(i.to).toISOString(),
    })),
  };
}

async function insertVersion(db: Queryable, id: string, version: number, markup: MarkupInput, by: string) {
  await query(
    db,
    `INSERT INTO markup_versions (markup_id, version, name, description, scope, signals, intervals, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      id,
      version,
      markup.name,
      markup.description ?? null,
      JSON.stringify(markup.scope),
      markup.signals ?? null,
      JSON.stringify(markup.intervals),
      by,
    ],
  );
}

export async function getMarkup(db: Queryable, id: string, options: { lock?: boolean } = {}): Promise<MarkupView> {
  if (options.lock) {
    // A second writer of the same markup waits here until the first commits. The lock is taken on
    // markups alone: with the join, PostgreSQL would re-check the locked row against the version row
    // of its old snapshot and find nothing. The read below is a new statement, so it sees the commit.
    await query(db, 'SELECT 1 FROM markups WHERE id = $1 FOR UPDATE', [id]);
  }
  const rows = await query<VersionRow>(db, `SELECT ${VERSION_COLUMNS} ${CURRENT} WHERE m.id = $1`, [id]);
  if (!rows[0]) throw notFound('markup', id);
  return view(rows[0]);
}

export async function createMarkup(db: Queryable, input: MarkupInput, by: string): Promise<MarkupView> {
  const markup = checkedMarkup(input);
  const rows = await query<{ id: string }>(db, 'INSERT INTO markups (name, version) VALUES ($1, 1) RETURNING id', [
    markup.name,
  ]);
  const id = (rows[0] as { id: string }).id;
  await insertVersion(db, id, 1, markup, by);
  return getMarkup(db, id);
}

function assertVersion(current: MarkupView, expected: number): void {
  if (current.version !== expected) {
    throw controlError(
      'VIGIL_CONTROL_VERSION_CONFLICT',
      `markup ${current.name} is at version ${current.version}, not ${expected}: read it again and re-apply the change`,
      { current: current.version, expected },
    );
  }
}

/** A new version based on `expected`; the previous one stays in markup_versions. */
export async function updateMarkup(
  db: Queryable,
  id: string,
  input: MarkupInput,
  expected: number,
  by: string,
): Promise<{ before: MarkupView; after: MarkupView }> {
  const markup = checkedMarkup(input);
  const before = await getMarkup(db, id, { lock: true });
  assertVersion(before, expected);
  const next = before.version + 1;
  await query(db, 'UPDATE markups SET name = $2, version = $3 WHERE id = $1', [id, markup.name, next]);
  await insertVersion(db, id, next, markup, by);
  return { before, after: await getMarkup(db, id) };
}

export async function deleteMarkup(db: Queryable, id: string, expected: number): Promise<MarkupView> {
  const before = await getMarkup(db, id, { lock: true });
  assertVersion(before, expected);
  await query(db, 'DELETE FROM markups WHERE id = $1', [id]);
  return before;
}

export async function listMarkups(db: Queryable, filter: z.output<typeof schemas.MarkupListQuery>) {
  const after = filter.cursor === undefined ? null : String(decodeCursor(filter.cursor, 1)[0]);
  const rows = await query<VersionRow & { interval_count: number }>(
    db,
    `SELECT ${SUMMARY_COLUMNS}, jsonb_array_length(v.intervals) AS interval_count ${CURRENT}
     WHERE ($1::text IS NULL OR m.name > $1) AND ($2::text IS NULL OR m.name = $2)
     ORDER BY m.name LIMIT $3`,
    [after, filter.name ?? null, filter.limit + 1],
  );
  return pageOf(
    rows,
    filter.limit,
    (row) => [row.name],
    (row) => {
      const { intervals: _, ...summary } = view(row);
      return { ...summary, intervalCount: row.interval_count };
    },
  );
}

export async function listMarkupVersions(db: Queryable, id: string, page: z.output<typeof schemas.PageQuery>) {
  await getMarkup(db, id);
  const before = page.cursor === undefined ? null : Number(decodeCursor(page.cursor, 1)[0]);
  const rows = await query<VersionRow>(
    db,
    `SELECT ${VERSION_COLUMNS} FROM markups m JOIN markup_versions v ON v.markup_id = m.id
     WHERE m.id = $1 AND ($2::int IS NULL OR v.version < $2) ORDER BY v.version DESC LIMIT $3`,
    [id, before, page.limit + 1],
  );
  return pageOf(rows, page.limit, (row) => [row.version], view);
}

export async function getMarkupVersion(db: Queryable, id: string, version: number): Promise<MarkupView> {
  const rows = await query<VersionRow>(
    db,
    `SELECT ${VERSION_COLUMNS} FROM markups m JOIN markup_versions v ON v.markup_id = m.id
     WHERE m.id = $1 AND v.version = $2`,
    [id, version],
  );
  if (!rows[0]) throw notFound('markup version', `${id}@${version}`);
  return view(rows[0]);
}
