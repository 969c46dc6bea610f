import { IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PaginationQuery } from '../../common/http/pagination';
import { IsFen, IsInstant } from '../../common/validation/decorators';
import type { RedemptionStatus } from '../redemption.entity';

/**
 * A code as typed or scanned: any case, spaces and dashes allowed. Room for a formatted
 * code with generous separators; one that cannot be any voucher's code is a 404.
 */
const CODE_MAX_LENGTH = 64;

export class VerifyVoucherDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(CODE_MAX_LENGTH)
  code!: string;

  /** The order total before the discount, in fen. */
  @IsFen()
  orderAmount!: number;
}

export class RedeemVoucherDto extends VerifyVoucherDto {
  /** The merchant's own order or receipt number, echoed in history and statements. */
  @IsOptional()
  @IsString()
  @Matches(/^[\x20-\x7e\u00a0-\uffff]{1,128}$/, { message: 'orderRef must be 1 to 128 printable characters' })
  orderRef?: string;
}

export class ReverseRedemptionDto {
  /** Why the purchase was refunded, kept with the redemption. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;
}

export class ListRedemptionsQuery extends PaginationQuery {
  /** Redeemed at or after this instant. */
  @IsOptional()
  @IsInstant()
  from?: Date;

  /** Redeemed before this instant. */
  @IsOptional()
  @IsInstant()
  to?: Date;

  /** Bureau only (a merchant may name only itself). */
  @IsOptional()
  @IsUUID()
  merchantId?: string;

  @IsOptional()
  @IsIn(['active', 'reversed'])
  status?: RedemptionStatus;
}
