import type { schemas } from '@vigil/control-api';
import { textTable } from '@vigil/table';
import type { z } from 'zod';

type User = z.output<typeof schemas.User>;
type Role = z.output<typeof schemas.Role>;
type Token = z.output<typeof schemas.Token>;
type MarkupSummary = z.output<typeof schemas.MarkupSummary>;
type Markup = z.output<typeof schemas.Markup>;
type AuditEntry = z.output<typeof schemas.AuditEntry>;

const dash = (value: string | null | undefined): string => value ?? '-';

export function usersTable(users: readonly User[]): string {
  return textTable(
    ['name', 'display name', 'disabled', 'roles', 'rights'],
    users.map((u) => [
      u.name,
      dash(u.displayName),
      u.disabled ? 'yes' : 'no',
      u.roles.join(',') || '-',
      u.rights.join(',') || '-',
    ]),
  );
}

export function rolesTable(roles: readonly Role[]): string {
  return textTable(
    ['name', 'rights', 'description'],
    roles.map((r) => [r.name, r.rights.join(','), dash(r.description)]),
  );
}

export function tokensTable(tokens: readonly Token[]): string {
  return textTable(
    ['id', 'name', 'user', 'prefix', 'created', 'last used', 'expires', 'revoked'],
    tokens.map((t) => [
      t.id,
      t.name,
      t.user,
      `${t.prefix}…`,
      t.createdAt,
      dash(t.lastUsedAt),
      dash(t.expiresAt),
      dash(t.revokedAt),
    ]),
  );
}

function scopeText(scope: Markup['scope']): string {
  if (scope.kind === 'all') return 'all entities';
  if (scope.kind === 'pattern') return `pattern ${scope.pattern}`;
  return scope.entities.length <= 3 ? scope.entities.join(',') : `${scope.entities.length} entities`;
}

export function markupsTable(markups: readonly MarkupSummary[]): string {
  return textTable(
    ['id', 'name', 'version', 'scope', 'signals', 'intervals', 'updated', 'by'],
    markups.map((m) => [
      m.id,
      m.name,
      String(m.version),
      scopeText(m.scope),
      m.signals?.join(',') ?? 'all',
      String(m.intervalCount),
      m.updatedAt,
      dash(m.updatedBy),
    ]),
    { align: [undefined, undefined, 'right', undefined, undefined, 'right'] },
  );
}

export function markupText(markup: Markup): string {
  const head = [
    `markup ${markup.name} (${markup.id}) version ${markup.version}`,
    `scope: ${scopeText(markup.scope)}; signals: ${markup.signals?.join(',') ?? 'all'}`,
    `updated ${markup.updatedAt} by ${dash(markup.updatedBy)}${markup.description ? `; ${markup.description}` : ''}`,
  ].join('\n');
  const intervals = textTable(
    ['from', 'to', 'kind', 'note'],
    markup.intervals.map((i) => [i.from, i.to, i.kind, dash(i.note)]),
  );
  return `${head}\n\n${intervals}`;
}

export function versionsTable(versions: readonly Markup[]): string {
  return textTable(
    ['version', 'name', 'intervals', 'written', 'by'],
    versions.map((v) => [String(v.version), v.name, String(v.intervals.length), v.updatedAt, dash(v.updatedBy)]),
    { align: ['right', undefined, 'right'] },
  );
}

export function auditTable(entries: readonly AuditEntry[]): string {
  return textTable(
    ['id', 'at', 'actor', 'action', 'target', 'outcome'],
    entries.map((e) => [
      e.id,
      e.at,
      dash(e.actor),
      e.action,
      `${e.targetType}${e.targetId ? ` ${e.targetId}` : ''}`,
      e.code ? `${e.outcome} ${e.code}` : e.outcome,
    ]),
    { align: ['right'] },
  );
}
