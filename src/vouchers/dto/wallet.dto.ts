import { IsIn, IsOptional } from 'class-validator';
import { PaginationQuery } from '../../common/http/pagination';
import type { VoucherStatus } from '../voucher.rules';

export const VOUCHER_STATUSES: readonly VoucherStatus[] = ['claimed', 'redeemed', 'expired'];

export class ListMyVouchersQuery extends PaginationQuery {
  /** Effective status: a claimed voucher past its validity counts as expired. */
  @IsOptional()
  @IsIn(VOUCHER_STATUSES)
  status?: VoucherStatus;
}
