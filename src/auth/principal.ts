/** The bureau's staff roles (SPEC "Staff and audit"). */
export const STAFF_ROLES = ['admin', 'operator', 'finance', 'auditor'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/**
 * What a route may name in @Roles(): `resident` or `merchant`, a staff role,
 * or `staff` for every staff member whatever their roles (statistics).
 */
export type Role = 'resident' | 'merchant' | StaffRole | 'staff';

export type Principal =
  | { role: 'resident'; residentId: string }
  | { role: 'merchant'; merchantId: string }
  /**
   * A staff member. `sessionId` names the login the token belongs to; once the guard has
   * re-read it, `staffRoles` are the roles stored now, not the ones the token was issued with.
   */
  | { role: 'bureau'; userId: string; username: string; staffRoles: readonly StaffRole[]; sessionId: string };

export type ResidentPrincipal = Extract<Principal, { role: 'resident' }>;
export type MerchantPrincipal = Extract<Principal, { role: 'merchant' }>;
export type BureauPrincipal = Extract<Principal, { role: 'bureau' }>;

/** Whether a caller may use a route that allows `allowed`. */
export function isAllowed(principal: Principal, allowed: readonly Role[]): boolean {
  if (principal.role !== 'bureau') return allowed.includes(principal.role);
  return allowed.includes('staff') || principal.staffRoles.some((role) => allowed.includes(role));
}

/** The caller's id for logs and rate limits: never a secret. */
export function principalKey(principal: Principal): string {
  switch (principal.role) {
    case 'resident':
      return `resident:${principal.residentId}`;
    case 'merchant':
      return `merchant:${principal.merchantId}`;
    case 'bureau':
      return `bureau:${principal.userId}`;
  }
}
