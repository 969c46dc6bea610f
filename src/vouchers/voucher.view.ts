import { formatVoucherCode } from './voucher-code';
import type { Voucher } from './voucher.entity';
import { effectiveStatus } from './voucher.rules';

/** The voucher as its holder sees it (POST /claims, GET /me/vouchers). */
export function toVoucherView(voucher: Voucher, now = new Date()) {
  return {
    id: voucher.id,
    code: formatVoucherCode(voucher.code),
    theme: voucher.theme,
    faceValue: voucher.faceValue,
    minSpend: voucher.minSpend,
    validFrom: voucher.validFrom,
    validUntil: voucher.validUntil,
    status: effectiveStatus(voucher, now),
    campaignId: voucher.campaignId,
    roundId: voucher.roundId,
    denominationId: voucher.denominationId,
    claimedAt: voucher.claimedAt,
    redeemedAt: voucher.redeemedAt,
  };
}

export type VoucherView = ReturnType<typeof toVoucherView>;
