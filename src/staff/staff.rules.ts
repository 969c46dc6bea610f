import type { StaffRole } from '../auth/principal';
import type { StaffStatus } from './staff.entity';

export interface StaffStanding {
  id: string;
  roles: readonly StaffRole[];
  status: StaffStatus;
}

/** The same roles in one order, each once: what is stored and compared. */
export function normaliseRoles(roles: readonly StaffRole[], order: readonly StaffRole[]): StaffRole[] {
  return order.filter((role) => roles.includes(role));
}

/**
 * Whether the bureau still has an active admin after `changed` replaces its own standing
 * among `admins` (every active admin before the change). Without one, nobody could manage
 * staff again: the last admin may not disable themselves or give the role up.
 */
export function leavesAnActiveAdmin(admins: readonly StaffStanding[], changed: StaffStanding): boolean {
  return [...admins.filter((admin) => admin.id !== changed.id), changed].some(
    (member) => member.status === 'active' && member.roles.includes('admin'),
  );
}

/**
 * Whether a change must end every session the staff member holds: a new password or a
 * disabled account. A role change needs no revocation, since roles are re-read on every request.
 */
export function endsSessions(change: { status?: StaffStatus; password?: string }): boolean {
  return change.password !== undefined || change.status === 'disabled';
}
