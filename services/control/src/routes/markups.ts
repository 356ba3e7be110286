import {
  createMarkup,
  deleteMarkup,
  getMarkup,
  getMarkupVersion,
  listMarkups,
  listMarkupVersions,
  updateMarkup,
} from '../markups/store.ts';
import { audited, type ControlDeps, type Handlers, principalOf } from './handler.ts';

type MarkupRoutes =
  | 'listMarkups'
  | 'createMarkup'
  | 'getMarkup'
  | 'updateMarkup'
  | 'deleteMarkup'
  | 'listMarkupVersions'
  | 'getMarkupVersion';

export function markupHandlers(deps: ControlDeps): Handlers<MarkupRoutes> {
  const { pool } = deps;
  return {
    listMarkups: ({ query }) => listMarkups(pool, query),
    getMarkup: ({ params }) => getMarkup(pool, params.id),
    listMarkupVersions: ({ params, query }) => listMarkupVersions(pool, params.id, query),
    getMarkupVersion: ({ params }) => getMarkupVersion(pool, params.id, params.version),
    createMarkup: ({ body }, context) =>
      audited(deps, context, 'createMarkup', async (client) => {
        const after = await createMarkup(client, body, principalOf(context).name);
        return { targetId: after.id, after, result: after };
      }),
    updateMarkup: ({ params, body }, context) =>
      audited(deps, context, 'updateMarkup', async (client) => {
        const { version, ...markup } = body;
        const { before, after } = await updateMarkup(client, params.id, markup, version, principalOf(context).name);
        return { targetId: params.id, before, after, result: after };
      }),
    deleteMarkup: ({ params, query }, context) =>
      audited(deps, context, 'deleteMarkup', async (client) => {
        const before = await deleteMarkup(client, params.id, query.version);
        return { targetId: params.id, before, result: undefined };
      }),
  };
}
