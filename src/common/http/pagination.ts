import { IsOptional } from 'class-validator';
import { QueryInt } from '../validation/decorators';

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
