import { IsOptional } from 'class-validator';
import { IsInstant, QueryInt } from '../validation/decorators';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export class PaginationQuery {
  /** At most 500; default 50. */
  @IsOptional()
  @QueryInt(1, MAX_PAGE_SIZE)
  limit: number = DEFAULT_PAGE_SIZE;

  @IsOptional()
  @QueryInt(0, 1_000_000_000)
  offset = 0;
}

export interface Page<T> {
  items: T[];
  total: number;
}

/** A page of a list in time order, narrowed to `[from, to)`. */
export class TimeRangeQuery extends PaginationQuery {
  /** At or after this instant. */
  @IsOptional()
  @IsInstant()
  from?: Date;

  /** Before this instant. */
  @IsOptional()
  @IsInstant()
  to?: Date;
}
