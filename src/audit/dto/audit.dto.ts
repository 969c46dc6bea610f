import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PaginationQuery } from '../../common/http/pagination';
import { IsInstant } from '../../common/validation/decorators';

export class ListAuditEventsQuery extends PaginationQuery {
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

  /** Events at or after this instant. */
  @IsOptional()
  @IsInstant()
  from?: Date;

  /** Events before this instant. */
  @IsOptional()
  @IsInstant()
  to?: Date;
}
