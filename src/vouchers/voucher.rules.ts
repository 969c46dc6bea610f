import { DateTime } from 'luxon';
import type { StoredVoucherStatus, Voucher } from './voucher.entity';

export type VoucherStatus = StoredVoucherStatus;

/**
 * The status a voucher has now: a claimed voucher past its validity is expired even before
 * the expiry job has marked it, so every reader (wallet, verify, redemption) agrees.
 */
export function effectiveStatus(voucher: Pick<Voucher, 'status' | 'validUntil'>, now: Date): VoucherStatus {
  if (voucher.status === 'claimed' && voucher.validUntil.getTime() <= now.getTime()) return 'expired';
  return voucher.status;
}

export interface Validity {
  validFrom: Date;
  /** Exclusive, as everywhere: a voucher is valid while validFrom ≤ now < validUntil. */
  validUntil: Date;
}

/**
 * A voucher of a round with `voucherValidDays` (SPEC): valid from its claim until the end of
 * the Nth calendar day after the claim's day in `zone`, i.e. until the start of day N + 1.
 * Days are calendar days, not 24-hour spans, so a day with a daylight-saving change is still
 * one day (23 or 25 hours long).
 */
export function validityFromClaim(claimedAt: Date, validDays: number, zone: string): Validity {
  const claimDay = DateTime.fromJSDate(claimedAt).setZone(zone).startOf('day');
  return {
    validFrom: claimedAt,
    validUntil: claimDay
      .plus({ days: validDays + 1 })
      .startOf('day')
      .toJSDate(),
  };
}
