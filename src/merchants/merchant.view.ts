import { maskAccountNumber } from '../common/masking';
import type { Merchant } from './merchant.entity';

/** What the API shows of a merchant: the account number always masked. */
export function toMerchantView(merchant: Merchant) {
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
    apiKeyHint: merchant.apiKeyHint,
    createdAt: merchant.createdAt,
    updatedAt: merchant.updatedAt,
  };
}

export type MerchantView = ReturnType<typeof toMerchantView>;
