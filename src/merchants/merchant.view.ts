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
    /** Fen of reversals of settled redemptions not yet recovered from its statements. */
    outstanding,
    createdAt: merchant.createdAt,
    updatedAt: merchant.updatedAt,
  };
}

export type MerchantView = ReturnType<typeof toMerchantView>;

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
