import { formatVoucherCode } from '../vouchers/voucher-code';
import type { Redemption } from './redemption.entity';

/** A redemption as the merchant and the bureau see it. */
export function toRedemptionView(redemption: Redemption) {
  return {
    id: redemption.id,
    voucherId: redemption.voucherId,
    merchantId: redemption.merchantId,
    code: formatVoucherCode(redemption.code),
    faceValue: redemption.faceValue,
    orderAmount: redemption.orderAmount,
    discount: redemption.discount,
    payable: redemption.payable,
    orderRef: redemption.orderRef,
    status: redemption.status,
    redeemedAt: redemption.redeemedAt,
    reversedAt: redemption.reversedAt,
    reversalReason: redemption.reversalReason,
    campaignId: redemption.campaignId,
    roundId: redemption.roundId,
    denominationId: redemption.denominationId,
    settlementStatementId: redemption.settlementStatementId,
    reversalStatementId: redemption.reversalStatementId,
  };
}

export type RedemptionView = ReturnType<typeof toRedemptionView>;

/** A reversed redemption with what became of its voucher: `redeemed` while the reversal is pending. */
export type ReversalView = RedemptionView & { voucherStatus: 'claimed' | 'expired' | 'redeemed' };
