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
