import { RIGHTS, type Right } from '@vigil/control-api';

/** The rights of a user: the union of their roles' rights, in the catalogue's order. */
export function effectiveRights(roleRights: readonly (readonly string[])[]): Right[] {
  const held = new Set(roleRights.flat());
  return RIGHTS.filter((right) => held.has(right));
}

/** A role's rights as stored: known names only, each once, in the catalogue's order. */
export function normaliseRights(rights: readonly Right[]): Right[] {
  return effectiveRights([rights]);
}

/** Whether `rights` allow an action that needs `needed` (null: any authenticated caller). No right implies another. */
export function allows(rights: readonly Right[], needed: Right | null): boolean {
  return needed === null || rights.includes(needed);
}
