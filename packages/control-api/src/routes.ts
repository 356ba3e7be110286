import { z } from 'zod';
import type { Right } from './rights.ts';
import * as s from './schemas.ts';

/**
 * The control API, route by route: the service registers exactly these (with
 * their schemas, which also make the OpenAPI document) and the typed client
 * calls them, so the two cannot drift apart.
 */
export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Below /api/v1, fastify syntax (`/users/:name`). */
  path: string;
  /** The right the caller needs; null: any authenticated caller. */
  right: Right | null;
  /** How the audit log names the action (`markup.update`). */
  action: string;
  summary: string;
  status: 200 | 201 | 204;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  response?: z.ZodType;
}

export const API_PREFIX = '/api/v1';

export const CONTROL_ROUTES = {
  bootstrap: {
    method: 'POST',
    path: '/bootstrap',
    right: null,
    action: 'bootstrap',
    summary: 'Create the first administrator (bearer: the bootstrap token); refused once an administrator exists',
    status: 201,
    body: s.Bootstrap,
    response: s.Bootstrapped,
  },
  me: {
    method: 'GET',
    path: '/me',
    right: null,
    action: 'me.read',
    summary: 'Who the token belongs to',
    status: 200,
    response: s.Me,
  },
  listRights: {
    method: 'GET',
    path: '/rights',
    right: null,
    action: 'right.list',
    summary: 'The rights a role can hold',
    status: 200,
    response: z.object({ items: z.array(s.RightInfo) }),
  },

  listUsers: {
    method: 'GET',
    path: '/users',
    right: 'administer',
    action: 'user.list',
    summary: 'Users, by name',
    status: 200,
    query: s.PageQuery,
    response: s.page(s.User),
  },
  createUser: {
    method: 'POST',
    path: '/users',
    right: 'administer',
    action: 'user.create',
    summary: 'Create a user',
    status: 201,
    body: s.UserCreate,
    response: s.User,
  },
  getUser: {
    method: 'GET',
    path: '/users/:name',
    right: 'administer',
    action: 'user.read',
    summary: 'One user',
    status: 200,
    params: s.NameParams,
    response: s.User,
  },
  updateUser: {
    method: 'PATCH',
    path: '/users/:name',
    right: 'administer',
    action: 'user.update',
    summary: 'Change display name, disabled flag or roles',
    status: 200,
    params: s.NameParams,
    body: s.UserUpdate,
    response: s.User,
  },
  deleteUser: {
    method: 'DELETE',
    path: '/users/:name',
    right: 'administer',
    action: 'user.delete',
    summary: 'Delete a user and their tokens',
    status: 204,
    params: s.NameParams,
  },

  listRoles: {
    method: 'GET',
    path: '/roles',
    right: 'administer',
    action: 'role.list',
    summary: 'Roles, by name',
    status: 200,
    query: s.PageQuery,
    response: s.page(s.Role),
  },
  createRole: {
    method: 'POST',
    path: '/roles',
    right: 'administer',
    action: 'role.create',
    summary: 'Create a role from rights',
    status: 201,
    body: s.RoleCreate,
    response: s.Role,
  },
  getRole: {
    method: 'GET',
    path: '/roles/:name',
    right: 'administer',
    action: 'role.read',
    summary: 'One role',
    status: 200,
    params: s.NameParams,
    response: s.Role,
  },
  updateRole: {
    method: 'PATCH',
    path: '/roles/:name',
    right: 'administer',
    action: 'role.update',
    summary: "Change a role's description or rights",
    status: 200,
    params: s.NameParams,
    body: s.RoleUpdate,
    response: s.Role,
  },
  deleteRole: {
    method: 'DELETE',
    path: '/roles/:name',
    right: 'administer',
    action: 'role.delete',
    summary: 'Delete a role (its users lose its rights)',
    status: 204,
    params: s.NameParams,
  },

  listTokens: {
    method: 'GET',
    path: '/tokens',
    right: null,
    action: 'token.list',
    summary: "The caller's tokens; another user's (?user=) needs administer",
    status: 200,
    query: s.TokenListQuery,
    response: s.page(s.Token),
  },
  createToken: {
    method: 'POST',
    path: '/tokens',
    right: null,
    action: 'token.create',
    summary: 'Create an API token, shown once; for another user needs administer',
    status: 201,
    body: s.TokenCreate,
    response: s.TokenCreated,
  },
  revokeToken: {
    method: 'DELETE',
    path: '/tokens/:id',
    right: null,
    action: 'token.revoke',
    summary: "Revoke a token (the caller's own; another user's needs administer)",
    status: 200,
    params: s.IdParams,
    response: s.Token,
  },

  listMarkups: {
    method: 'GET',
    path: '/markups',
    right: 'view',
    action: 'markup.list',
    summary: 'Markups, by name',
    status: 200,
    query: s.MarkupListQuery,
    response: s.page(s.MarkupSummary),
  },
  createMarkup: {
    method: 'POST',
    path: '/markups',
    right: 'edit_markups',
    action: 'markup.create',
    summary: 'Create a markup (version 1)',
    status: 201,
    body: s.MarkupInput,
    response: s.Markup,
  },
  getMarkup: {
    method: 'GET',
    path: '/markups/:id',
    right: 'view',
    action: 'markup.read',
    summary: "A markup's current version",
    status: 200,
    params: s.IdParams,
    response: s.Markup,
  },
  updateMarkup: {
    method: 'PUT',
    path: '/markups/:id',
    right: 'edit_markups',
    action: 'markup.update',
    summary: 'Write a new version; `version` must be the current one (else 409)',
    status: 200,
    params: s.IdParams,
    body: s.MarkupUpdate,
    response: s.Markup,
  },
  deleteMarkup: {
    method: 'DELETE',
    path: '/markups/:id',
    right: 'edit_markups',
    action: 'markup.delete',
    summary: 'Delete a markup and its history; ?version= must be the current one (else 409)',
    status: 204,
    params: s.IdParams,
    query: s.DeleteMarkupQuery,
  },
  listMarkupVersions: {
    method: 'GET',
    path: '/markups/:id/versions',
    right: 'view',
    action: 'markup.history',
    summary: "A markup's versions, newest first",
    status: 200,
    params: s.IdParams,
    query: s.PageQuery,
    response: s.page(s.Markup),
  },
  getMarkupVersion: {
    method: 'GET',
    path: '/markups/:id/versions/:version',
    right: 'view',
    action: 'markup.history',
    summary: 'One version of a markup',
    status: 200,
    params: s.VersionParams,
    response: s.Markup,
  },

  listAudit: {
    method: 'GET',
    path: '/audit',
    right: 'administer',
    action: 'audit.list',
    summary: 'The audit log, newest first, filtered by actor, action, target, outcome and time',
    status: 200,
    query: s.AuditQuery,
    response: s.page(s.AuditEntry),
  },
} as const satisfies Record<string, RouteSpec>;

export type ControlRoutes = typeof CONTROL_ROUTES;
export type RouteName = keyof ControlRoutes;

type Field<R, K extends string> = R extends { [P in K]: infer T extends z.ZodType } ? T : never;

/** What a call of route R takes: its path params, query and body, as the client passes them (before defaults). */
export type RouteInput<R> = ([Field<R, 'params'>] extends [never] ? unknown : { params: z.input<Field<R, 'params'>> }) &
  ([Field<R, 'query'>] extends [never] ? unknown : { query?: z.input<Field<R, 'query'>> }) &
  ([Field<R, 'body'>] extends [never] ? unknown : { body: z.input<Field<R, 'body'>> });

/** The same after parsing, as the service's handler receives it. */
export type RouteRequest<R> = {
  params: [Field<R, 'params'>] extends [never] ? Record<string, never> : z.output<Field<R, 'params'>>;
  query: [Field<R, 'query'>] extends [never] ? Record<string, never> : z.output<Field<R, 'query'>>;
  body: [Field<R, 'body'>] extends [never] ? undefined : z.output<Field<R, 'body'>>;
};

/** What route R answers with (undefined for a 204). */
export type RouteOutput<R> = [Field<R, 'response'>] extends [never] ? undefined : z.output<Field<R, 'response'>>;
