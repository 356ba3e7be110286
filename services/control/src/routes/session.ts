import { CONTROL_ROUTES, RIGHT_MEANINGS, RIGHTS } from '@vigil/control-api';
import { writeAudit } from '../audit.ts';
import { inTransaction, query } from '../db.ts';
import { controlError } from '../errors.ts';
import { getRole } from '../identity/roles.ts';
import { issueToken } from '../identity/tokens.ts';
import { countAdministrators, getUser } from '../identity/users.ts';
import { sameSecret } from '../tokens.ts';
import { type ControlDeps, type Handlers, principalOf } from './handler.ts';

/** The role bootstrap makes: user administration and reading, nothing else; the administrator grants the rest. */
export const BOOTSTRAP_ROLE = { name: 'administrator', rights: ['administer', 'view'] } as const;

export function sessionHandlers(deps: ControlDeps): Handlers<'bootstrap' | 'me' | 'listRights'> {
  return {
    async bootstrap({ body }, context) {
      if (deps.bootstrapToken === undefined) {
        throw controlError(
          'VIGIL_CONTROL_BOOTSTRAP_CLOSED',
          'no bootstrap token is configured (CONTROL_BOOTSTRAP_TOKEN_FILE)',
        );
      }
      if (context.bearer === undefined || !sameSecret(context.bearer, deps.bootstrapToken)) {
        throw controlError('VIGIL_CONTROL_UNAUTHENTICATED', 'bootstrap needs the bootstrap token as bearer');
      }
      return inTransaction(deps.pool, async (client) => {
        // Two bootstraps at once: the second waits here, then finds the administrator.
        await client.query(`SELECT pg_advisory_xact_lock(hashtext('vigil.control.bootstrap'))`);
        if ((await countAdministrators(client)) > 0) {
          throw controlError('VIGIL_CONTROL_BOOTSTRAP_CLOSED', 'an administrator exists; ask them for a token');
        }
        const roleRows = await query<{ id: string }>(
          client,
          `INSERT INTO roles (name, description, rights) VALUES ($1, 'made by bootstrap', $2)
           ON CONFLICT (name) DO UPDATE
             SET rights = ARRAY(SELECT DISTINCT unnest(roles.rights || EXCLUDED.rights)), updated_at = now()
           RETURNING id`,
          [BOOTSTRAP_ROLE.name, BOOTSTRAP_ROLE.rights],
        );
        // A user of that name (a locked-out administrator) is re-enabled rather than refused.
        const userRows = await query<{ id: string }>(
          client,
          `INSERT INTO users (name, display_name) VALUES ($1, $2)
           ON CONFLICT (name) DO UPDATE SET disabled = false, updated_at = now() RETURNING id`,
          [body.name, body.displayName ?? null],
        );
        const userId = (userRows[0] as { id: string }).id;
        await query(client, 'INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
          userId,
          (roleRows[0] as { id: string }).id,
        ]);
        const token = await issueToken(client, userId, 'bootstrap', undefined);
        const user = await getUser(client, body.name);
        const role = await getRole(client, BOOTSTRAP_ROLE.name);
        await writeAudit(client, {
          actor: { id: userId, name: body.name },
          action: CONTROL_ROUTES.bootstrap.action,
          targetType: 'user',
          targetId: body.name,
          after: { user, role, token: { id: token.id, name: token.name } },
          outcome: 'ok',
          requestId: context.requestId,
        });
        return { user, role, token };
      });
    },

    async me(_request, context) {
      const principal = principalOf(context);
      return { user: await getUser(deps.pool, principal.name), via: principal.via };
    },

    async listRights() {
      return { items: RIGHTS.map((name) => ({ name, meaning: RIGHT_MEANINGS[name] })) };
    },
  };
}
