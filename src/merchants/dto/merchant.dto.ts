import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsObject, IsOptional, Matches, ValidateNested } from 'class-validator';
import { PaginationQuery } from '../../common/http/pagination';
import { THEMES, Theme } from '../../common/domain/themes';
import { IsText } from '../../common/validation/decorators';

export class SettlementAccountDto {
  @IsText({ max: 100 })
  bankName!: string;

  @IsText({ max: 100 })
  accountName!: string;

  /** Digits only, 8 to 32 of them (spaces are not accepted). */
  @IsText({ max: 32 })
  @Matches(/^\d{8,32}$/, { message: 'accountNumber must be 8 to 32 digits' })
  accountNumber!: string;
}

export class CreateMerchantDto {
  @IsText({ max: 200 })
  name!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(THEMES.length)
  @ArrayUnique()
  @IsIn(THEMES, { each: true })
  themes!: Theme[];

  @IsObject()
  @ValidateNested()
  @Type(() => SettlementAccountDto)
  settlementAccount!: SettlementAccountDto;
}

export class UpdateMerchantDto {
  @IsOptional()
  @IsIn(['active', 'suspended'])
  status?: 'active' | 'suspended';

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(THEMES.length)
  @ArrayUnique()
  @IsIn(THEMES, { each: true })
  themes?: Theme[];
}

export class ListMerchantsQuery extends PaginationQuery {
  @IsOptional()
  @IsIn(['active', 'suspended'])
  status?: 'active' | 'suspended';

  @IsOptional()
  @IsIn(THEMES)
  theme?: Theme;

  /** `true`: only merchants with outstanding deductions. */
  @IsOptional()
  @IsIn(['true'])
  outstanding?: 'true';
}

/** The public directory: active merchants only, optionally one theme's. */
export class MerchantDirectoryQuery extends PaginationQuery {
  @IsOptional()
  @IsIn(THEMES)
  theme?: Theme;
}

export class CreateApiKeyDto {
  /** Which till or device the key is for, e.g. "till 2". */
  @IsText({ max: 100 })
  label!: string;
}

export class HoldMerchantDto {
  /** Why finance holds the merchant, e.g. "suspected cash-out pattern under review". */
  @IsText({ max: 500 })
  reason!: string;
}
