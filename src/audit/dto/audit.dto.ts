import { IsOptional } from 'class-validator';
import { TimeRangeQuery } from '../../common/http/pagination';
import { IsText } from '../../common/validation/decorators';

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
