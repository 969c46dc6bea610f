import { maskAccountNumber } from '../common/masking';
import type { MerchantApiKey } from '../auth/merchant-api-key.entity';
import type { Merchant } from './merchant.entity';

/** What the API shows of a merchant: the account number always masked. */
export function toMerchantView(merchant: Merchant, outstanding: number) {
  return {
    id: merchant.id,
    name: merchant.name,
    themes: merchant.themes,
    status: merchant.status,
    settlementAccount: {
      bankName: merchant.bankName,
      accountName: merchant.accountName,
      accountNumber: maskAccountNumber(merchant.accountNumber),
    },
    hold: holdOf(merchant),
    /** Fen of reversals of settled redemptions not yet recovered from its statements. */
    outstanding,
    createdAt: merchant.createdAt,
    updatedAt: merchant.updatedAt,
  };
}

export type MerchantView = ReturnType<typeof toMerchantView>;

/** The merchant's hold as the API and its audit events show it: null when not held. */
export function holdOf(merchant: Pick<Merchant, 'heldAt' | 'holdReason'>): { reason: string; since: Date } | null {
  return merchant.heldAt && merchant.holdReason !== null ? { reason: merchant.holdReason, since: merchant.heldAt } : null;
}

/**
 * A merchant as its audit events record it. The account number is given in full: the audit
 * log masks it itself (sanitiseSnapshot), as it does everywhere in every snapshot.
 */
export function toMerchantSnapshot(merchant: Merchant) {
  return {
    id: merchant.id,
    name: merchant.name,
    themes: merchant.themes,
    status: merchant.status,
    hold: holdOf(merchant),
    settlementAccount: { bankName: merchant.bankName, accountName: merchant.accountName, accountNumber: merchant.accountNumber },
  };
}

/** What anyone may see of a merchant (GET /merchants/directory): where a voucher can be used. */
export function toDirectoryEntry(merchant: Merchant) {
  return { id: merchant.id, name: merchant.name, themes: merchant.themes };
}

/** What the API shows of an API key: never the key nor its hash. */
export function toApiKeyView(key: MerchantApiKey) {
  return {
    id: key.id,
    label: key.label,
    hint: key.hint,
    createdAt: key.createdAt,
    lastUsedAt: key.lastUsedAt,
    revokedAt: key.revokedAt,
  };
}
