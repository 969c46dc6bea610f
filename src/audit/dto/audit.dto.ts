import { IsOptional, IsString, MaxLength } from 'class-validator';
import { TimeRangeQuery } from '../../common/http/pagination';
import { QueryInt } from '../../common/validation/decorators';

export class ListAuditEventsQuery extends TimeRangeQuery {
  @IsOptional()
  @IsString()
  @MaxLength(100)
  subjectType?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  subjectId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  actorId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  action?: string;
}

export class InclusionProofQuery {
  /** The checkpoint's size; unset: the latest checkpoint. */
  @IsOptional()
  @QueryInt(1, 999_999_999_999_999)
  size?: number;
}
