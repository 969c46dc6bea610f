import type { Staff } from './staff.entity';

/** A staff member as the API shows them: never the password hash. */
export function toStaffView(staff: Staff) {
  return {
    id: staff.id,
    username: staff.username,
    displayName: staff.displayName,
    roles: staff.roles,
    status: staff.status,
    createdAt: staff.createdAt.toISOString(),
    updatedAt: staff.updatedAt.toISOString(),
  };
}
