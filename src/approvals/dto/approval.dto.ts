import { IsIn, IsOptional } from 'class-validator';
import { PaginationQuery } from '../../common/http/pagination';
import { IsText } from '../../common/validation/decorators';
import { APPROVAL_KINDS, APPROVAL_STATUSES, type ApprovalKind, type ApprovalStatus } from '../approval.entity';

export class ListApprovalsQuery extends PaginationQuery {
  @IsOptional()
  @IsIn(APPROVAL_STATUSES)
  status?: ApprovalStatus;

  @IsOptional()
  @IsIn(APPROVAL_KINDS)
  kind?: ApprovalKind;
}

/** The decider's reason, kept with the decision and in its audit event. */
export class DecideApprovalDto {
  @IsOptional()
  @IsText({ max: 1000, multiline: true })
  note?: string;
}
