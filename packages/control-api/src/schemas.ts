import { z } from 'zod';
import { RIGHTS } from './rights.ts';

/** The shapes of the control API's bodies and answers. The rules beyond shape (rights, overlaps, versions) live in the service. */

export const PAGE_LIMIT = { default: 50, max: 500 } as const;

/** A user's, role's or markup's name: what the CLI and URLs use. */
export const Name = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._@-]{0,62}$/,
    'lower-case letters, digits, ".", "_", "@" or "-", starting with a letter or digit',
  );

const Timestamp = z.iso.datetime({ offset: true });
const Text = z.string().max(1_000);

export const Right = z.enum(RIGHTS);

export const ErrorBody = z.object({
  code: z.string(),
  message: z.string(),
  /** Which fields were wrong, for a 400. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(PAGE_LIMIT.max).default(PAGE_LIMIT.default),
  /** `nextCursor` of the previous page. */
  cursor: z.string().max(512).optional(),
});

export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const User = z.object({
  id: z.uuid(),
  name: Name,
  displayName: z.string().nullable(),
  disabled: z.boolean(),
  roles: z.array(Name),
  /** The union of the roles' rights. */
  rights: z.array(Right),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const UserCreate = z.object({
  name: Name,
  displayName: Text.optional(),
  roles: z.array(Name).max(100).default([]),
});

export const UserUpdate = z
  .object({
    displayName: Text.nullable().optional(),
    disabled: z.boolean().optional(),
    roles: z.array(Name).max(100).optional(),
  })
  .refine((u) => Object.values(u).some((v) => v !== undefined), 'nothing to change');

export const Role = z.object({
  id: z.uuid(),
  name: Name,
  description: z.string().nullable(),
  rights: z.array(Right),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const RoleCreate = z.object({
  name: Name,
  description: Text.optional(),
  rights: z.array(Right).min(1).max(RIGHTS.length),
});

export const RoleUpdate = z
  .object({ description: Text.nullable().optional(), rights: z.array(Right).min(1).max(RIGHTS.length).optional() })
  .refine((r) => r.description !== undefined || r.rights !== undefined, 'nothing to change');

export const Token = z.object({
  id: z.uuid(),
  name: z.string(),
  user: Name,
  /** The first characters of the token, to recognise it; the token itself is never shown again. */
  prefix: z.string(),
  createdAt: Timestamp,
  expiresAt: Timestamp.nullable(),
  lastUsedAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
});

export const TokenCreate = z.object({
  name: z.string().min(1).max(100),
  /** Another user's token: needs `administer`. Default: the caller's own. */
  user: Name.optional(),
  expiresInDays: z.number().int().min(1).max(3_650).optional(),
});

/** The answer to a token's creation: the only time the token is shown. */
export const TokenCreated = Token.extend({ token: z.string() });

export const Me = z.object({ user: User, via: z.enum(['token', 'oidc']) });

export const RightInfo = z.object({ name: Right, meaning: z.string() });

export const Bootstrap = z.object({ name: Name, displayName: Text.optional() });
export const Bootstrapped = z.object({ user: User, role: Role, token: TokenCreated });

export const INTERVAL_KINDS = ['normal', 'anomalous', 'excluded', 'inference'] as const;

export const Interval = z.object({
  from: Timestamp,
  /** Exclusive. */
  to: Timestamp,
  kind: z.enum(INTERVAL_KINDS),
  note: Text.optional(),
});

export const Scope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }),
  z.object({ kind: z.literal('entities'), entities: z.array(z.string().min(1).max(200)).min(1).max(10_000) }),
  /** A glob over entity names (picomatch syntax), e.g. `valve1/*`. */
  z.object({ kind: z.literal('pattern'), pattern: z.string().min(1).max(200) }),
]);

export const MarkupInput = z.object({
  name: Name,
  description: Text.nullable().optional(),
  scope: Scope,
  /** Only these signals; null or absent: every signal. */
  signals: z.array(z.string().min(1).max(200)).min(1).max(1_000).nullable().optional(),
  intervals: z.array(Interval).max(10_000),
});

/** A new version of a markup, based on `version` (the one the client read): a stale version is a 409. */
export const MarkupUpdate = MarkupInput.extend({ version: z.number().int().min(1) });

export const Markup = z.object({
  id: z.uuid(),
  name: Name,
  description: z.string().nullable(),
  scope: Scope,
  signals: z.array(z.string()).nullable(),
  intervals: z.array(Interval),
  version: z.number().int(),
  createdAt: Timestamp,
  /** When this version was written, and by whom. */
  updatedAt: Timestamp,
  updatedBy: z.string().nullable(),
});

export const MarkupSummary = Markup.omit({ intervals: true }).extend({ intervalCount: z.number().int() });

export const AuditEntry = z.object({
  id: z.string(),
  at: Timestamp,
  actor: z.string().nullable(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
  outcome: z.enum(['ok', 'denied']),
  /** The error code of a denied action. */
  code: z.string().nullable(),
});

export const AuditQuery = PageQuery.extend({
  actor: Name.optional(),
  action: z.string().max(100).optional(),
  targetType: z.string().max(100).optional(),
  targetId: z.string().max(200).optional(),
  outcome: z.enum(['ok', 'denied']).optional(),
  from: Timestamp.optional(),
  to: Timestamp.optional(),
});

export const NameParams = z.object({ name: Name });
export const IdParams = z.object({ id: z.uuid() });
export const VersionParams = z.object({ id: z.uuid(), version: z.coerce.number().int().min(1) });
export const DeleteMarkupQuery = z.object({ version: z.coerce.number().int().min(1) });
export const MarkupListQuery = PageQuery.extend({ name: Name.optional() });
export const TokenListQuery = PageQuery.extend({ user: Name.optional() });
