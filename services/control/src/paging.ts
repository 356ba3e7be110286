import { controlError } from './errors.ts';

/** A page cursor is the sort key of the last row shown, as base64url JSON: opaque to clients, checked on the way back. */
export type CursorKey = readonly (string | number)[];

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** The key of `cursor`, which must hold `arity` strings or numbers; anything else is a 400. */
export function decodeCursor(cursor: string, arity: number): CursorKey {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const valid =
    Array.isArray(key) &&
    key.length === arity &&
    key.every((part) => typeof part === 'string' || (typeof part === 'number' && Number.isFinite(part)));
  if (!valid) throw controlError('VIGIL_CONTROL_BAD_REQUEST', 'cursor is not one this API gave out', { cursor });
  return key as CursorKey;
}

/**
 * `rows` fetched with `LIMIT limit + 1`: the first `limit` of them, and a
 * cursor after the last one shown when there was one more.
 */
export function pageOf<R, T>(
  rows: readonly R[],
  limit: number,
  keyOf: (row: R) => CursorKey,
  view: (row: R) => T,
): { items: T[]; nextCursor: string | null } {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  const nextCursor = rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null;
  return { items: shown.map(view), nextCursor };
}
