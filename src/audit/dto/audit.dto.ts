import { IsOptional } from 'class-validator';
import { TimeRangeQuery } from '../../common/http/pagination';
import { IsText, QueryInt } from '../../common/validation/decorators';

export class ListAuditEventsQuery extends TimeRangeQuery {
  @IsOptional()
  @IsText({ max: 100 })
  subjectType?: string;

  @IsOptional()
  @IsText({ max: 200 })
  subjectId?: string;

  @IsOptional()
  @IsText({ max: 200 })
  actorId?: string;

  @IsOptional()
  @IsText({ max: 100 })
  action?: string;
}

export class InclusionProofQuery {
  /** The checkpoint's size; unset: the latest checkpoint. */
  @IsOptional()
  @QueryInt(1, 999_999_999_999_999)
  size?: number;
}
