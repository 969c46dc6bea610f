import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentAuditContext } from '../audit/audit-context';
import type { AuditContext } from '../audit/audit.types';
import { Roles } from '../auth/auth.decorators';
import { uuidParam } from '../common/validation/params';
import { toApprovalView } from './approval.view';
import { ApprovalsService } from './approvals.service';
import { DecideApprovalDto, ListApprovalsQuery } from './dto/approval.dto';

/**
 * The four-eyes requests. Every staff member may read them; today's kinds (a campaign's
 * publication, a budget rise) are operators' to decide.
 */
@ApiTags('approvals')
@ApiBearerAuth()
@Controller('approvals')
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalsService) {}

  @Roles('staff')
  @Get()
  async list(@Query() query: ListApprovalsQuery) {
    const page = await this.approvals.list(query);
    return { items: page.items.map(toApprovalView), total: page.total };
  }

  @Roles('staff')
  @Get(':id')
  async get(@Param('id', uuidParam) id: string) {
    return toApprovalView(await this.approvals.get(id));
  }

  /** Approves and makes the change; 403 FOUR_EYES_REQUIRED for the requester while the rule is on. */
  @Roles('operator')
  @Post(':id/approve')
  @HttpCode(200)
  async approve(@Param('id', uuidParam) id: string, @Body() body: DecideApprovalDto, @CurrentAuditContext() context: AuditContext) {
    return toApprovalView(await this.approvals.approve(id, context, body.note));
  }

  /** Rejects the request (its requester may withdraw it so); nothing else changes. */
  @Roles('operator')
  @Post(':id/reject')
  @HttpCode(200)
  async reject(@Param('id', uuidParam) id: string, @Body() body: DecideApprovalDto, @CurrentAuditContext() context: AuditContext) {
    return toApprovalView(await this.approvals.reject(id, context, body.note));
  }
}
