import { readFileSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { type ControlClient, RIGHTS, type schemas } from '@vigil/control-api';
import type { z } from 'zod';
import { repoTokenFile, saveToken } from './credentials.ts';
import { auditTable, markupsTable, markupText, rolesTable, tokensTable, usersTable, versionsTable } from './format.ts';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | string[] | undefined>;

export interface CommandContext {
  client: ControlClient;
  /** Prints the API's answer: JSON with --json, else the text. */
  print(json: unknown, text: () => string): void;
  root: string;
  bootstrapToken(file: string | undefined): string | undefined;
  /** A client whose bearer is `token` (bootstrap's). */
  clientWith(token: string): ControlClient;
}

export interface Command {
  /** `NAME` positionals and flags, for --help. */
  usage: string;
  summary: string;
  positionals: readonly string[];
  options?: Options;
  run(context: CommandContext, values: Values, args: string[]): Promise<void>;
}

export class UsageError extends Error {}

const PAGE: Options = {
  limit: { type: 'string' },
  cursor: { type: 'string' },
  all: { type: 'boolean' },
};
const PAGE_USAGE = '[--limit N] [--cursor C | --all]';

/** Every page of a list when --all, else the one asked for. */
async function pages<T>(
  values: Values,
  fetchPage: (query: { limit?: number; cursor?: string }) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<{ items: T[]; nextCursor: string | null }> {
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !Number.isInteger(limit)) throw new UsageError('--limit takes a whole number');
  let cursor = typeof values.cursor === 'string' ? values.cursor : undefined;
  const items: T[] = [];
  for (;;) {
    const page = await fetchPage({ limit, cursor });
    items.push(...page.items);
    if (!values.all || page.nextCursor === null) return { items, nextCursor: page.nextCursor };
    cursor = page.nextCursor;
  }
}

const str = (values: Values, key: string): string | undefined => {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
};
const list = (values: Values, key: string): string[] | undefined => {
  const value = values[key];
  return Array.isArray(value) ? value : undefined;
};
const arg = (args: string[], index: number): string => args[index] as string;

function readJsonFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path === '-' ? 0 : path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read JSON from ${path}: ${(error as Error).message}`);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A markup's id, from its id or its name. */
async function markupId(client: ControlClient, idOrName: string): Promise<string> {
  if (UUID.test(idOrName)) return idOrName;
  const page = await client.call('listMarkups', { query: { name: idOrName, limit: 1 } });
  const found = page.items[0];
  if (!found) throw new UsageError(`no markup named ${idOrName}`);
  return found.id;
}

type Markup = z.output<typeof schemas.Markup>;

/** Noun → verb → command; a noun whose only verb is '' takes none (`ctl whoami`). */
export const COMMANDS: Record<string, Record<string, Command>> = {
  bootstrap: {
    '': {
      usage: 'bootstrap NAME [--display-name TEXT] [--bootstrap-token-file FILE] [--save]',
      summary:
        'create the first administrator (only while none exists) and print their token; --save writes it to .vigil/ctl-token',
      positionals: ['NAME'],
      options: {
        'display-name': { type: 'string' },
        'bootstrap-token-file': { type: 'string' },
        save: { type: 'boolean' },
      },
      async run(context, values, args) {
        const token = context.bootstrapToken(str(values, 'bootstrap-token-file'));
        if (token === undefined) {
          throw new UsageError(
            'no bootstrap token: set VIGIL_BOOTSTRAP_TOKEN or pass --bootstrap-token-file (./vigil services start control writes .vigil/control-bootstrap-token)',
          );
        }
        const result = await context.clientWith(token).call('bootstrap', {
          body: { name: arg(args, 0), displayName: str(values, 'display-name') },
        });
        if (values.save) saveToken(repoTokenFile(context.root), result.token.token);
        context.print(result, () =>
          [
            `administrator ${result.user.name} created with role ${result.role.name} (${result.role.rights.join(', ')})`,
            values.save ? `token saved to ${repoTokenFile(context.root)}` : `token (shown once): ${result.token.token}`,
          ].join('\n'),
        );
      },
    },
  },
  whoami: {
    '': {
      usage: 'whoami',
      summary: 'the user the token belongs to, with their roles and rights',
      positionals: [],
      async run(context) {
        const me = await context.client.call('me', {});
        context.print(me, () => `${usersTable([me.user])}\n(authenticated by ${me.via})`);
      },
    },
  },
  rights: {
    list: {
      usage: 'rights list',
      summary: 'the rights a role can hold',
      positionals: [],
      async run(context) {
        const rights = await context.client.call('listRights', {});
        context.print(rights, () => rights.items.map((r) => `${r.name.padEnd(13)} ${r.meaning}`).join('\n'));
      },
    },
  },
  users: {
    list: {
      usage: `users list ${PAGE_USAGE}`,
      summary: 'users by name (administer)',
      positionals: [],
      options: PAGE,
      async run(context, values) {
        const page = await pages(values, (query) => context.client.call('listUsers', { query }));
        context.print(page, () => usersTable(page.items));
      },
    },
    show: {
      usage: 'users show NAME',
      summary: 'one user',
      positionals: ['NAME'],
      async run(context, _values, args) {
        const user = await context.client.call('getUser', { params: { name: arg(args, 0) } });
        context.print(user, () => usersTable([user]));
      },
    },
    create: {
      usage: 'users create NAME [--display-name TEXT] [--role ROLE]...',
      summary: 'create a user with roles',
      positionals: ['NAME'],
      options: { 'display-name': { type: 'string' }, role: { type: 'string', multiple: true } },
      async run(context, values, args) {
        const user = await context.client.call('createUser', {
          body: { name: arg(args, 0), displayName: str(values, 'display-name'), roles: list(values, 'role') ?? [] },
        });
        context.print(user, () => usersTable([user]));
      },
    },
    update: {
      usage: 'users update NAME [--display-name TEXT] [--disable | --enable] [--role ROLE... | --no-roles]',
      summary: "change a user; --role replaces the user's roles",
      positionals: ['NAME'],
      options: {
        'display-name': { type: 'string' },
        disable: { type: 'boolean' },
        enable: { type: 'boolean' },
        role: { type: 'string', multiple: true },
        'no-roles': { type: 'boolean' },
      },
      async run(context, values, args) {
        if (values.disable && values.enable) throw new UsageError('--disable or --enable, not both');
        const roles = values['no-roles'] ? [] : list(values, 'role');
        const user = await context.client.call('updateUser', {
          params: { name: arg(args, 0) },
          body: {
            displayName: str(values, 'display-name'),
            disabled: values.disable ? true : values.enable ? false : undefined,
            roles,
          },
        });
        context.print(user, () => usersTable([user]));
      },
    },
    delete: {
      usage: 'users delete NAME',
      summary: 'delete a user and their tokens',
      positionals: ['NAME'],
      async run(context, _values, args) {
        await context.client.call('deleteUser', { params: { name: arg(args, 0) } });
        context.print({ deleted: arg(args, 0) }, () => `deleted user ${arg(args, 0)}`);
      },
    },
  },
  roles: {
    list: {
      usage: `roles list ${PAGE_USAGE}`,
      summary: 'roles by name (administer)',
      positionals: [],
      options: PAGE,
      async run(context, values) {
        const page = await pages(values, (query) => context.client.call('listRoles', { query }));
        context.print(page, () => rolesTable(page.items));
      },
    },
    show: {
      usage: 'roles show NAME',
      summary: 'one role',
      positionals: ['NAME'],
      async run(context, _values, args) {
        const role = await context.client.call('getRole', { params: { name: arg(args, 0) } });
        context.print(role, () => rolesTable([role]));
      },
    },
    create: {
      usage: `roles create NAME --right RIGHT... [--description TEXT]   (rights: ${RIGHTS.join(', ')})`,
      summary: 'create a role from rights',
      positionals: ['NAME'],
      options: { right: { type: 'string', multiple: true }, description: { type: 'string' } },
      async run(context, values, args) {
        const role = await context.client.call('createRole', {
          body: {
            name: arg(args, 0),
            rights: (list(values, 'right') ?? []) as never,
            description: str(values, 'description'),
          },
        });
        context.print(role, () => rolesTable([role]));
      },
    },
    update: {
      usage: 'roles update NAME [--right RIGHT...] [--description TEXT]',
      summary: "change a role; --right replaces the role's rights",
      positionals: ['NAME'],
      options: { right: { type: 'string', multiple: true }, description: { type: 'string' } },
      async run(context, values, args) {
        const role = await context.client.call('updateRole', {
          params: { name: arg(args, 0) },
          body: { rights: list(values, 'right') as never, description: str(values, 'description') },
        });
        context.print(role, () => rolesTable([role]));
      },
    },
    delete: {
      usage: 'roles delete NAME',
      summary: 'delete a role; its users lose its rights',
      positionals: ['NAME'],
      async run(context, _values, args) {
        await context.client.call('deleteRole', { params: { name: arg(args, 0) } });
        context.print({ deleted: arg(args, 0) }, () => `deleted role ${arg(args, 0)}`);
      },
    },
  },
  tokens: {
    list: {
      usage: `tokens list [--user NAME] ${PAGE_USAGE}`,
      summary: "your tokens, or another user's (administer)",
      positionals: [],
      options: { ...PAGE, user: { type: 'string' } },
      async run(context, values) {
        const user = str(values, 'user');
        const page = await pages(values, (query) => context.client.call('listTokens', { query: { ...query, user } }));
        context.print(page, () => tokensTable(page.items));
      },
    },
    create: {
      usage: 'tokens create NAME [--user NAME] [--expires-days N] [--save]',
      summary: 'create an API token, printed once (--save: into .vigil/ctl-token instead)',
      positionals: ['NAME'],
      options: { user: { type: 'string' }, 'expires-days': { type: 'string' }, save: { type: 'boolean' } },
      async run(context, values, args) {
        const days = str(values, 'expires-days');
        const created = await context.client.call('createToken', {
          body: {
            name: arg(args, 0),
            user: str(values, 'user'),
            expiresInDays: days === undefined ? undefined : Number(days),
          },
        });
        if (values.save) saveToken(repoTokenFile(context.root), created.token);
        context.print(
          created,
          () =>
            `${tokensTable([created])}\n${values.save ? `token saved to ${repoTokenFile(context.root)}` : `token (shown once): ${created.token}`}`,
        );
      },
    },
    revoke: {
      usage: 'tokens revoke ID',
      summary: 'revoke a token; it stops working at once',
      positionals: ['ID'],
      async run(context, _values, args) {
        const token = await context.client.call('revokeToken', { params: { id: arg(args, 0) } });
        context.print(token, () => tokensTable([token]));
      },
    },
  },
  markups: {
    list: {
      usage: `markups list [--name NAME] ${PAGE_USAGE}`,
      summary: 'markups by name (view)',
      positionals: [],
      options: { ...PAGE, name: { type: 'string' } },
      async run(context, values) {
        const name = str(values, 'name');
        const page = await pages(values, (query) => context.client.call('listMarkups', { query: { ...query, name } }));
        context.print(page, () => markupsTable(page.items));
      },
    },
    show: {
      usage: 'markups show ID|NAME [--version N]',
      summary: "a markup's current version, or an earlier one",
      positionals: ['ID|NAME'],
      options: { version: { type: 'string' } },
      async run(context, values, args) {
        const id = await markupId(context.client, arg(args, 0));
        const version = str(values, 'version');
        const markup: Markup =
          version === undefined
            ? await context.client.call('getMarkup', { params: { id } })
            : await context.client.call('getMarkupVersion', { params: { id, version: Number(version) } });
        context.print(markup, () => markupText(markup));
      },
    },
    create: {
      usage: 'markups create --file FILE   (JSON: {name, description?, scope, signals?, intervals}; - reads stdin)',
      summary: 'create a markup from a JSON file',
      positionals: [],
      options: { file: { type: 'string' } },
      async run(context, values) {
        const file = str(values, 'file');
        if (file === undefined) throw new UsageError('markups create needs --file');
        const body = readJsonFile(file) as z.input<typeof schemas.MarkupInput>;
        const markup = await context.client.call('createMarkup', { body });
        context.print(markup, () => markupText(markup));
      },
    },
    update: {
      usage: 'markups update ID|NAME --file FILE [--version N]',
      summary:
        'write a new version; the version it is based on comes from --version or the file (as `markups show --json` prints it)',
      positionals: ['ID|NAME'],
      options: { file: { type: 'string' }, version: { type: 'string' } },
      async run(context, values, args) {
        const file = str(values, 'file');
        if (file === undefined) throw new UsageError('markups update needs --file');
        const {
          id: _id,
          createdAt: _c,
          updatedAt: _u,
          updatedBy: _b,
          version: fileVersion,
          ...markup
        } = readJsonFile(file) as Record<string, unknown>;
        const version = str(values, 'version') === undefined ? fileVersion : Number(str(values, 'version'));
        if (typeof version !== 'number')
          throw new UsageError('say which version the change is based on: --version N, or a version field in the file');
        const updated = await context.client.call('updateMarkup', {
          params: { id: await markupId(context.client, arg(args, 0)) },
          body: { ...(markup as z.input<typeof schemas.MarkupInput>), version },
        });
        context.print(updated, () => markupText(updated));
      },
    },
    delete: {
      usage: 'markups delete ID|NAME --version N',
      summary: 'delete a markup and its history, if it is still at version N',
      positionals: ['ID|NAME'],
      options: { version: { type: 'string' } },
      async run(context, values, args) {
        const version = Number(str(values, 'version'));
        if (!Number.isInteger(version))
          throw new UsageError('markups delete needs --version N (the version you last read)');
        const id = await markupId(context.client, arg(args, 0));
        await context.client.call('deleteMarkup', { params: { id }, query: { version } });
        context.print({ deleted: id }, () => `deleted markup ${arg(args, 0)}`);
      },
    },
    history: {
      usage: `markups history ID|NAME ${PAGE_USAGE}`,
      summary: "a markup's versions, newest first",
      positionals: ['ID|NAME'],
      options: PAGE,
      async run(context, values, args) {
        const id = await markupId(context.client, arg(args, 0));
        const page = await pages(values, (query) =>
          context.client.call('listMarkupVersions', { params: { id }, query }),
        );
        context.print(page, () => versionsTable(page.items));
      },
    },
  },
  audit: {
    list: {
      usage: `audit list [--actor NAME] [--action A] [--target-type T] [--target-id ID] [--outcome ok|denied] [--from T] [--to T] ${PAGE_USAGE}`,
      summary: 'the audit log, newest first (administer)',
      positionals: [],
      options: {
        ...PAGE,
        actor: { type: 'string' },
        action: { type: 'string' },
        'target-type': { type: 'string' },
        'target-id': { type: 'string' },
        outcome: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
      },
      async run(context, values) {
        const filter = {
          actor: str(values, 'actor'),
          action: str(values, 'action'),
          targetType: str(values, 'target-type'),
          targetId: str(values, 'target-id'),
          outcome: str(values, 'outcome') as 'ok' | 'denied' | undefined,
          from: str(values, 'from'),
          to: str(values, 'to'),
        };
        const page = await pages(values, (query) =>
          context.client.call('listAudit', { query: { ...filter, ...query } }),
        );
        context.print(page, () => auditTable(page.items));
      },
    },
  },
};
