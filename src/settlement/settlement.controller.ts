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
import { ListStatementsQuery, MarkPaidDto, RequestRunDto } from './dto/settlement.dto';
import { SettlementRunsService } from './settlement-runs.service';
import { SettlementStatementsService } from './settlement-statements.service';
import { toRunView, toStatementView } from './settlement.view';

/** Merchants see only their own statements; naming another merchant is refused, not silently narrowed. */
function statementMerchantFilter(principal: Principal, requested: string | undefined): string | undefined {
  if (principal.role !== 'merchant') return requested;
  if (requested && requested !== principal.merchantId) throw forbidden('A merchant sees only its own statements');
  return principal.merchantId;
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
    const file = await this.statements.payoutsFile(id);
    // Set only once the file exists, so that an error still answers as JSON.
    void reply.headers({
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="payouts-${id}.csv"`,
      'cache-control': 'no-store',
    });
    return file;
  }

  @Roles('merchant', 'finance', 'auditor')
  @Get('statements')
  async listStatements(@Query() query: ListStatementsQuery, @CurrentPrincipal() principal: Principal) {
    const page = await this.statements.list({ ...query, merchantId: statementMerchantFilter(principal, query.merchantId) });
    return { items: page.items.map(toStatementView), total: page.total };
  }

  /** Records the bank transfer of a statement (once). */
  @Roles('finance')
  @Post('statements/:id/paid')
  @HttpCode(200)
  async markPaid(@Param('id', uuidParam) id: string, @Body() body: MarkPaidDto) {
    return toStatementView(await this.statements.markPaid(id, body.bankReference.trim()));
  }
}
