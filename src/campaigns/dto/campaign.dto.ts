import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { PaginationQuery } from '../../common/http/pagination';
import { THEMES, Theme } from '../../common/domain/themes';
import { IsFen, IsInstant, IsText } from '../../common/validation/decorators';
import { MAX_DENOMINATIONS, MAX_FACE_VALUE, MAX_PER_RESIDENT_LIMIT, MAX_QUANTITY, MAX_VALID_DAYS } from '../campaign.rules';

export class CreateCampaignDto {
  @IsText({ max: 200 })
  name!: string;

  @IsIn(THEMES)
  theme!: Theme;

  /** Fen, a positive integer. */
  @IsFen({ min: 1 })
  budget!: number;

  @IsInstant()
  startsAt!: Date;

  @IsInstant()
  endsAt!: Date;

  @IsOptional()
  @IsText({ max: 4000, min: 0, multiline: true })
  description?: string;
}

/** A draft may change every field; an active campaign its budget, endsAt and description (campaign.rules assertEditable). */
export class UpdateCampaignDto {
  @IsOptional()
  @IsText({ max: 200 })
  name?: string;

  @IsOptional()
  @IsFen({ min: 1 })
  budget?: number;

  @IsOptional()
  @IsInstant()
  startsAt?: Date;

  @IsOptional()
  @IsInstant()
  endsAt?: Date;

  @IsOptional()
  @IsText({ max: 4000, min: 0, multiline: true })
  description?: string;
}

export class ListCampaignsQuery extends PaginationQuery {
  /** Bureau only; everyone else sees active campaigns. */
  @IsOptional()
  @IsIn(['draft', 'active', 'closed'])
  status?: 'draft' | 'active' | 'closed';

  @IsOptional()
  @IsIn(THEMES)
  theme?: Theme;
}

export class DenominationDto {
  /** Fen. */
  @IsFen({ min: 1, max: MAX_FACE_VALUE })
  faceValue!: number;

  /** Fen; at least the face value. */
  @IsFen({ min: 1, max: MAX_FACE_VALUE * 1000 })
  minSpend!: number;

  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity!: number;
}

/**
 * Vouchers valid for a fixed period (voucherValidFrom and voucherValidUntil) or for
 * voucherValidDays counted from each claim; which one was given is checked by
 * campaign.rules assertRoundFitsCampaign (VALIDATION_FAILED naming the field).
 */
export class CreateRoundDto {
  @IsText({ max: 200 })
  name!: string;

  @IsInstant()
  claimOpensAt!: Date;

  @IsInstant()
  claimClosesAt!: Date;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PER_RESIDENT_LIMIT)
  perResidentLimit: number = 1;

  @IsOptional()
  @IsInstant()
  voucherValidFrom?: Date;

  @IsOptional()
  @IsInstant()
  voucherValidUntil?: Date;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_VALID_DAYS)
  voucherValidDays?: number;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_DENOMINATIONS)
  @ValidateNested({ each: true })
  @Type(() => DenominationDto)
  denominations!: DenominationDto[];
}

/**
 * Any field of a round's body, before its claim window opens (round.rules editedRound).
 * `denominations`, when given, is the round's whole new list, matched to the old one by
 * position: the Nth keeps the Nth's id, entries past the old list get new ids, and old
 * entries past the new list are removed.
 */
export class UpdateRoundDto {
  @IsOptional()
  @IsText({ max: 200 })
  name?: string;

  @IsOptional()
  @IsInstant()
  claimOpensAt?: Date;

  @IsOptional()
  @IsInstant()
  claimClosesAt?: Date;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PER_RESIDENT_LIMIT)
  perResidentLimit?: number;

  @IsOptional()
  @IsInstant()
  voucherValidFrom?: Date;

  @IsOptional()
  @IsInstant()
  voucherValidUntil?: Date;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_VALID_DAYS)
  voucherValidDays?: number;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_DENOMINATIONS)
  @ValidateNested({ each: true })
  @Type(() => DenominationDto)
  denominations?: DenominationDto[];
}
