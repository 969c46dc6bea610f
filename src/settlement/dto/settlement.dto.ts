import { IsIn, IsOptional, IsUUID, ValidateIf } from 'class-validator';
import { PaginationQuery } from '../../common/http/pagination';
import { IsInstant, IsText } from '../../common/validation/decorators';
import { STATEMENT_STATUSES, type StatementStatus } from '../settlement.rules';

export class RequestRunDto {
  /** Settle what happened before this instant (not in the future). Default: the start of today in the campaign time zone. */
  @ValidateIf((_: unknown, value: unknown) => value !== undefined)
  @IsInstant()
  cutoff?: Date;
}

export class ListStatementsQuery extends PaginationQuery {
  @IsOptional()
  @IsUUID()
  runId?: string;

  /** Bureau: any merchant; a merchant may only name itself. */
  @IsOptional()
  @IsUUID()
  merchantId?: string;

  @IsOptional()
  @IsIn(STATEMENT_STATUSES)
  status?: StatementStatus;
}

export class HoldStatementDto {
  /** Why the statement must not be paid yet (kept on it while held, and in the audit log). */
  @IsText({ max: 500, multiline: true })
  reason!: string;
}

export class MarkPaidDto {
  /** The bank's reference of the transfer. */
  @IsText({ max: 128 })
  bankReference!: string;
}
