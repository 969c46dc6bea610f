import type { ErrorCode } from '../common/errors/domain-error';
import type { Theme } from '../common/domain/themes';
import type { MerchantStatus } from '../merchants/merchant.entity';
import type { RedemptionStatus } from './redemption.entity';
import type { Voucher } from '../vouchers/voucher.entity';
import { effectiveStatus } from '../vouchers/voucher.rules';

/** The error codes a checkout can be refused with, in the order they are checked. */
export type RedemptionRefusal = Extract<
  ErrorCode,
  'MERCHANT_NOT_ELIGIBLE' | 'VOUCHER_ALREADY_REDEEMED' | 'VOUCHER_EXPIRED' | 'VOUCHER_NOT_VALID_YET' | 'MIN_SPEND_NOT_MET'
>;

export type CheckoutAssessment =
  | { eligible: true; discount: number; payable: number }
  | { eligible: false; reason: RedemptionRefusal; message: string; discount: 0; payable: number };

export interface CheckoutInput {
  /** Undefined when the authenticated merchant id names no merchant (a stale merchant JWT). */
  merchant: { status: MerchantStatus; themes: readonly Theme[] } | undefined;
  voucher: Pick<Voucher, 'status' | 'theme' | 'faceValue' | 'minSpend' | 'validFrom' | 'validUntil'>;
  orderAmount: number;
  now: Date;
}

function refuse(reason: RedemptionRefusal, message: string, orderAmount: number): CheckoutAssessment {
  return { eligible: false, reason, message, discount: 0, payable: orderAmount };
}

/**
 * The one checkout rule, shared by verify (which reports it) and redeem (which enforces it),
 * so a verify's `reason` is exactly the error the redemption would get. The merchant is
 * checked first: a merchant that may not take the voucher learns nothing about its state.
 */
export function assessCheckout({ merchant, voucher, orderAmount, now }: CheckoutInput): CheckoutAssessment {
  if (!merchant || merchant.status !== 'active')
    return refuse('MERCHANT_NOT_ELIGIBLE', 'This merchant is not active in the programme', orderAmount);
  if (!merchant.themes.includes(voucher.theme)) {
    return refuse('MERCHANT_NOT_ELIGIBLE', `This merchant is not enrolled in the voucher's theme (${voucher.theme})`, orderAmount);
  }
  switch (effectiveStatus(voucher, now)) {
    case 'redeemed':
      return refuse('VOUCHER_ALREADY_REDEEMED', 'This voucher was redeemed already', orderAmount);
    case 'expired':
      return refuse('VOUCHER_EXPIRED', `This voucher expired at ${voucher.validUntil.toISOString()}`, orderAmount);
    case 'claimed':
      break;
  }
  if (now.getTime() < voucher.validFrom.getTime()) {
    return refuse('VOUCHER_NOT_VALID_YET', `This voucher is valid from ${voucher.validFrom.toISOString()}`, orderAmount);
  }
  if (orderAmount < voucher.minSpend) {
    return refuse('MIN_SPEND_NOT_MET', `The order must be at least ${voucher.minSpend} fen to use this voucher`, orderAmount);
  }
  // minSpend ≥ faceValue is a table constraint, so payable is never negative.
  return { eligible: true, discount: voucher.faceValue, payable: orderAmount - voucher.faceValue };
}

export type ReversalDecision = { allowed: true } | { allowed: false; message: string };

/**
 * Whether a merchant may give money back on its redemptions (reverse now, refund later):
 * only an active one that is not held. A suspended merchant that reversed a settled and paid
 * redemption would return the voucher for another merchant to redeem and be paid for again,
 * while its own deduction waited on statements it no longer gets; a held merchant's
 * statements wait too.
 */
export function mayAdjustRedemptions(merchant: { status: MerchantStatus; heldAt: Date | null } | undefined): ReversalDecision {
  if (!merchant || merchant.status !== 'active') return { allowed: false, message: 'This merchant is not active in the programme' };
  if (merchant.heldAt) return { allowed: false, message: 'This merchant is held; it may not reverse or refund until released' };
  return { allowed: true };
}

/** A redemption may be reversed once, within `windowDays` of its redemption. */
export function decideReversal(
  redemption: { status: RedemptionStatus; redeemedAt: Date },
  now: Date,
  windowDays: number,
): ReversalDecision {
  if (redemption.status !== 'active') return { allowed: false, message: 'This redemption was reversed already' };
  if (redemption.redeemedAt.getTime() <= reversalWindowStart(now, windowDays).getTime()) {
    return { allowed: false, message: `Redemptions can be reversed only within ${windowDays} days` };
  }
  return { allowed: true };
}

/** Redemptions made after this instant may still be reversed at `now`. */
function reversalWindowStart(now: Date, windowDays: number): Date {
  return new Date(now.getTime() - windowDays * 24 * 3600_000);
}

/**
 * What a reversal makes of a redemption: once its statement has been paid out, the voucher
 * must not come back before the subsidy does (or finance approves), else another merchant
 * could redeem it and be paid again while this one's deduction waits.
 */
export function reversalStatus(paidOut: boolean): Extract<RedemptionStatus, 'reversed' | 'reversal_pending'> {
  return paidOut ? 'reversal_pending' : 'reversed';
}

/** Finance approves only a reversal still pending. */
export function mayApprovePendingReversal(redemption: { status: RedemptionStatus }): ReversalDecision {
  if (redemption.status !== 'reversal_pending') {
    return { allowed: false, message: `Only a pending reversal can be approved; this redemption is ${redemption.status}` };
  }
  return { allowed: true };
}
