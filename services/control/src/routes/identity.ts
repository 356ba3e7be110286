import { CONTROL_ROUTES } from '@vigil/control-api';
import { deleteRole, getRole, insertRole, listRoles, updateRole } from '../identity/roles.ts';
import { getToken, issueToken, listTokens, revokeToken } from '../identity/tokens.ts';
import {
  assertAdministratorRemains,
  deleteUserRow,
  getUser,
  insertUser,
  listUsers,
  roleIds,
  setUserRoles,
  updateUserRow,
} from '../identity/users.ts';
import { allows } from '../rights.ts';
import { audited, type ControlDeps, deny, type Handlers, principalOf } from './handler.ts';

type IdentityRoutes =
  | 'listUsers'
  | 'createUser'
  | 'getUser'
  | 'updateUser'
  | 'deleteUser'
  | 'listRoles'
  | 'createRole'
  | 'getRole'
  | 'updateRole'
  | 'deleteRole'
  | 'listTokens'
  | 'createToken'
  | 'revokeToken';

export function identityHandlers(deps: ControlDeps): Handlers<IdentityRoutes> {
  const { pool } = deps;
  /** Tokens of someone else need administer; the refusal is audited like any other. */
  const mayActFor = async (
    context: Parameters<Handlers<'listTokens'>['listTokens']>[1],
    action: string,
    user: string,
  ) => {
    const principal = principalOf(context);
    if (user !== principal.name && !allows(principal.rights, 'administer')) {
      await deny(pool, context, action, user, `acting on ${user}'s tokens needs the administer right`);
    }
  };

  return {
    listUsers: ({ query: page }) => listUsers(pool, page),
    getUser: ({ params }) => getUser(pool, params.name),
    createUser: ({ body }, context) =>
      audited(deps, context, 'createUser', async (client) => {
        const ids = await roleIds(client, body.roles);
        await setUserRoles(client, await insertUser(client, body.name, body.displayName ?? null), ids);
        const after = await getUser(client, body.name);
        return { targetId: body.name, after, result: after };
      }),
    updateUser: ({ params, body }, context) =>
      audited(deps, context, 'updateUser', async (client) => {
        const before = await getUser(client, params.name);
        await updateUserRow(client, before.id, body);
        if (body.roles !== undefined) await setUserRoles(client, before.id, await roleIds(client, body.roles));
        await assertAdministratorRemains(client);
        const after = await getUser(client, params.name);
        return { targetId: params.name, before, after, result: after };
      }),
    deleteUser: ({ params }, context) =>
      audited(deps, context, 'deleteUser', async (client) => {
        const before = await getUser(client, params.name);
        await deleteUserRow(client, before.id);
        await assertAdministratorRemains(client);
        return { targetId: params.name, before, result: undefined };
      }),

    listRoles: ({ query: page }) => listRoles(pool, page),
    getRole: ({ params }) => getRole(pool, params.name),
    createRole: ({ body }, context) =>
      audited(deps, context, 'createRole', async (client) => {
        const after = await insertRole(client, {
          name: body.name,
          description: body.description ?? null,
          rights: body.rights,
        });
        return { targetId: body.name, after, result: after };
      }),
    updateRole: ({ params, body }, context) =>
      audited(deps, context, 'updateRole', async (client) => {
        const before = await getRole(client, params.name);
        const after = await updateRole(client, params.name, body);
        await assertAdministratorRemains(client);
        return { targetId: params.name, before, after, result: after };
      }),
    deleteRole: ({ params }, context) =>
      audited(deps, context, 'deleteRole', async (client) => {
        const before = await getRole(client, params.name);
        await deleteRole(client, params.name);
        await assertAdministratorRemains(client);
        return { targetId: params.name, before, result: undefined };
      }),

    async listTokens({ query: filter }, context) {
      const user = filter.user ?? principalOf(context).name;
      await mayActFor(context, CONTROL_ROUTES.listTokens.action, user);
      return listTokens(pool, (await getUser(pool, user)).id, filter);
    },
    async createToken({ body }, context) {
      const user = body.user ?? principalOf(context).name;
      await mayActFor(context, CONTROL_ROUTES.createToken.action, user);
      return audited(deps, context, 'createToken', async (client) => {
        const owner = await getUser(client, user);
        const created = await issueToken(client, owner.id, body.name, body.expiresInDays);
        const { token: _shownOnce, ...after } = created;
        return { targetId: created.id, after, result: created };
      });
    },
    async revokeToken({ params }, context) {
      const { view } = await getToken(pool, params.id);
      await mayActFor(context, CONTROL_ROUTES.revokeToken.action, view.user);
      return audited(deps, context, 'revokeToken', async (client) => {
        const before = (await getToken(client, params.id)).view;
        const after = await revokeToken(client, params.id);
        return { targetId: params.id, before, after, result: after };
      });
    },
  };
}
