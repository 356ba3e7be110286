/**
 * The rights of the control plane. A role is a named set of them, made by an
 * administrator; a user holds the union of their roles' rights. No right
 * implies another: `administer` manages users, roles, tokens and reads the
 * audit log, and does not by itself let anyone publish.
 */
export const RIGHTS = [
  'view',
  'label',
  'edit_markups',
  'edit_models',
  'train',
  'infer',
  'prepare',
  'publish',
  'administer',
] as const;

export type Right = (typeof RIGHTS)[number];

/** What each right is for, as `GET /api/v1/rights` and the README list it. */
export const RIGHT_MEANINGS: Readonly<Record<Right, string>> = {
  view: 'read markups, models, jobs and results',
  label: 'label alerts and incidents (feedback)',
  edit_markups: 'create, change and delete markups',
  edit_models: 'create, change, clone, import and activate models',
  train: 'start and cancel training jobs',
  infer: 'start and stop historical and streaming inference',
  prepare: 'prepare a model version for publication (freeze it)',
  publish: 'move the published alias to a prepared version',
  administer: 'manage users, roles and tokens; read the audit log',
};
