import { IsOptional, IsString, MaxLength } from 'class-validator';
import { TimeRangeQuery } from '../../common/http/pagination';

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
