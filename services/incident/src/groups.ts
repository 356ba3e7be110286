import type { GroupState } from './state.ts';

/**
 * The group of an entity's overlapping incidents, while one alert is applied.
 *
 * A member counts as overlapping at event time `t` while its quiet period has
 * not run out (`until > t`): that is exactly when the state machine would
 * close it, so the answer does not depend on whether that member's model
 * scored this particular alert. An incident opening while another member is
 * overlapping joins its group; one opening while none is takes its own id as
 * the new group id. Works on a copy: the state it was built from is untouched.
 */
export class GroupLedger {
  private groupId: string | null;
  private members: Map<string, number>;

  constructor(group: GroupState | null) {
    this.groupId = group?.groupId ?? null;
    this.members = new Map(Object.entries(group?.members ?? {}));
  }

  /** Adds an incident opening at `t` and returns its group id. */
  join(key: string, incidentId: string, t: number, until: number): string {
    let overlapping = false;
    for (const memberUntil of this.members.values()) if (memberUntil > t) overlapping = true;
    if (!overlapping || this.groupId === null) {
      this.groupId = incidentId;
      this.members.clear();
    }
    this.members.set(key, until);
    return this.groupId;
  }

  /** A member's quiet period moved on (a new anomaly). */
  extend(key: string, until: number): void {
    if (this.members.has(key)) this.members.set(key, until);
  }

  /** A member closed. */
  leave(key: string): void {
    this.members.delete(key);
  }

  state(): GroupState | null {
    if (this.groupId === null || this.members.size === 0) return null;
    return { groupId: this.groupId, members: Object.fromEntries(this.members) };
  }
}
