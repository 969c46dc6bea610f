import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentAuditContext } from '../audit/audit-context';
import type { AuditContext } from '../audit/audit.types';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import { Principal, principalKey } from '../auth/principal';
import { forbidden } from '../common/errors/domain-error';
import { PaginationQuery } from '../common/http/pagination';
import { uuidParam } from '../common/validation/params';
import { HoldStatementDto, ListStatementsQuery, MarkPaidDto, RequestRunDto } from './dto/settlement.dto';
import { SettlementRunsService } from './settlement-runs.service';
import { SettlementStatementsService, StatementScope } from './settlement-statements.service';
import { toRunView, toStatementView } from './settlement.view';

/** Merchants see only their own statements; naming another merchant is refused, not silently narrowed. */
function statementMerchantFilter(principal: Principal, requested: string | undefined): string | undefined {
  if (principal.role !== 'merchant') return requested;
  if (requested && requested !== principal.merchantId) throw forbidden('A merchant sees only its own statements');
  return principal.merchantId;
}

/** What one statement a caller may read: a merchant its own, staff any. */
const statementScope = (principal: Principal): StatementScope => ({ merchantId: statementMerchantFilter(principal, undefined) });

/** Answers with a CSV download; called once the file exists, so that an error still answers as JSON. */
function sendCsv(reply: FastifyReply, filename: string, file: string): string {
  void reply.headers({
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${filename}"`,
    'cache-control': 'no-store',
  });
  return file;
}

@ApiTags('settlements')
@ApiBearerAuth()
@Controller('settlements')
export class SettlementController {
  constructor(
    private readonly runs: SettlementRunsService,
    private readonly statements: SettlementStatementsService,
  ) {}

  /** Queues a settlement run; it is carried out by a worker (poll GET /settlements/runs/:id). */
  @Roles('finance')
  @Post('runs')
  @HttpCode(202)
  async requestRun(@Body() body: RequestRunDto, @CurrentPrincipal() principal: Principal, @CurrentAuditContext() context: AuditContext) {
    return toRunView(await this.runs.request(body.cutoff, principalKey(principal), context));
  }

  @Roles('finance', 'auditor')
  @Get('runs')
  async listRuns(@Query() query: PaginationQuery) {
    const page = await this.runs.list(query);
    return { items: page.items.map(toRunView), total: page.total };
  }

  @Roles('finance', 'auditor')
  @Get('runs/:id')
  async getRun(@Param('id', uuidParam) id: string) {
    return toRunView(await this.runs.get(id));
  }

  /** The bank payout file (UTF-8 CSV with BOM, RFC 4180): one line per merchant with a positive net. */
  @Roles('finance')
  @Get('runs/:id/payouts.csv')
  @ApiProduces('text/csv')
  async payouts(@Param('id', uuidParam) id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return sendCsv(reply, `payouts-${id}.csv`, await this.statements.payoutsFile(id));
  }

  @Roles('merchant', 'finance', 'auditor')
  @Get('statements')
  async listStatements(@Query() query: ListStatementsQuery, @CurrentPrincipal() principal: Principal) {
    const page = await this.statements.list({ ...query, merchantId: statementMerchantFilter(principal, query.merchantId) });
    return { items: page.items.map(toStatementView), total: page.total };
  }

  @Roles('merchant', 'finance', 'auditor')
  @Get('statements/:id')
  async getStatement(@Param('id', uuidParam) id: string, @CurrentPrincipal() principal: Principal) {
    return toStatementView(await this.statements.get(statementScope(principal), id));
  }

  /** Every redemption, reversal and carried amount behind the statement, adding up to its gross, deductions and net. */
  @Roles('merchant', 'finance', 'auditor')
  @Get('statements/:id/lines.csv')
  @ApiProduces('text/csv')
  async statementLines(
    @Param('id', uuidParam) id: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendCsv(reply, `statement-${id}-lines.csv`, await this.statements.linesFile(statementScope(principal), id));
  }

  /** Approves a pending statement for payment (four-eyes: not by whoever requested its run). */
  @Roles('finance')
  @Post('statements/:id/approve')
  @HttpCode(200)
  async approve(
    @Param('id', uuidParam) id: string,
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditContext() context: AuditContext,
  ) {
    return toStatementView(await this.statements.approve(id, principalKey(principal), context));
  }

  /** Holds a pending or approved statement: it is not paid until released. */
  @Roles('finance')
  @Post('statements/:id/hold')
  @HttpCode(200)
  async hold(
    @Param('id', uuidParam) id: string,
    @Body() body: HoldStatementDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditContext() context: AuditContext,
  ) {
    return toStatementView(await this.statements.hold(id, body.reason, principalKey(principal), context));
  }

  /** Releases a held statement to the status it had before the hold. */
  @Roles('finance')
  @Post('statements/:id/release')
  @HttpCode(200)
  async release(
    @Param('id', uuidParam) id: string,
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditContext() context: AuditContext,
  ) {
    return toStatementView(await this.statements.release(id, principalKey(principal), context));
  }

  /** Records the bank transfer of an approved statement (once; four-eyes: not by its approver). */
  @Roles('finance')
  @Post('statements/:id/paid')
  @HttpCode(200)
  async markPaid(
    @Param('id', uuidParam) id: string,
    @Body() body: MarkPaidDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditContext() context: AuditContext,
  ) {
    return toStatementView(await this.statements.markPaid(id, body.bankReference.trim(), principalKey(principal), context));
  }
}
