import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { TimeRangeQuery } from '../../common/http/pagination';
import { IsFen, IsText } from '../../common/validation/decorators';
import type { RedemptionStatus } from '../redemption.entity';

/**
 * A code as typed or scanned: any case, spaces and dashes allowed. Room for a formatted
 * code with generous separators; one that cannot be any voucher's code is a 404.
 */
const CODE_MAX_LENGTH = 64;

export class VerifyVoucherDto {
  @IsText({ max: CODE_MAX_LENGTH })
  code!: string;

  /** The order total before the discount, in fen. */
  @IsFen()
  orderAmount!: number;
}

export class RedeemVoucherDto extends VerifyVoucherDto {
  /** The merchant's own order or receipt number, echoed in history and statements. */
  @IsOptional()
  @IsText({ max: 128 })
  orderRef?: string;
}

export class ReverseRedemptionDto {
  /** Why the purchase was refunded, kept with the redemption. */
  @IsText({ max: 500, multiline: true })
  reason!: string;
}

export class ListRedemptionsQuery extends TimeRangeQuery {
  /** Bureau only (a merchant may name only itself). */
  @IsOptional()
  @IsUUID()
  merchantId?: string;

  @IsOptional()
  @IsIn(['active', 'reversed', 'reversal_pending'])
  status?: RedemptionStatus;
}
