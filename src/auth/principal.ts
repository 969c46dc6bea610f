export type Role = 'resident' | 'merchant' | 'bureau';

export type Principal =
  | { role: 'resident'; residentId: string }
  | { role: 'merchant'; merchantId: string; via: 'api-key' | 'jwt' }
  | { role: 'bureau'; userId: string; username: string };

export type ResidentPrincipal = Extract<Principal, { role: 'resident' }>;
export type MerchantPrincipal = Extract<Principal, { role: 'merchant' }>;
export type BureauPrincipal = Extract<Principal, { role: 'bureau' }>;

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
