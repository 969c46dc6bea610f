import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentAuditContext } from '../audit/audit-context';
import type { AuditContext } from '../audit/audit.types';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { MerchantPrincipal, Principal } from '../auth/principal';
import { forbidden } from '../common/errors/domain-error';
import { uuidParam } from '../common/validation/params';
import { IdempotencyKey } from '../idempotency/idempotency-key.decorator';
import { IdempotentResult, REPLAYED_HEADER } from '../idempotency/idempotency.service';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { ListRedemptionsQuery, RedeemVoucherDto, ReverseRedemptionDto, VerifyVoucherDto } from './dto/redemption.dto';
import { PendingReversalsService } from './pending-reversals.service';
import { RedemptionScope, RedemptionsService } from './redemptions.service';

const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: true,
  description: '1–255 visible ASCII characters, unique per request; a retry with the same key and body gets the original answer',
};

/** A merchant sees its own redemptions only; the bureau sees all, optionally one merchant's. */
function scopeOf(principal: Principal, requestedMerchantId?: string): RedemptionScope {
  if (principal.role === 'bureau') return {};
  if (principal.role !== 'merchant') throw forbidden();
  if (requestedMerchantId !== undefined && requestedMerchantId !== principal.merchantId)
    throw forbidden('A merchant sees only its own redemptions');
  return { merchantId: principal.merchantId };
}

function answer<T>(reply: FastifyReply, result: IdempotentResult<T>): T {
  if (result.replayed) void reply.header(REPLAYED_HEADER, 'true');
  return result.body;
}

@ApiTags('checkout')
@ApiBearerAuth()
@Controller()
export class RedemptionsController {
  constructor(
    private readonly redemptions: RedemptionsService,
    private readonly pendingReversals: PendingReversalsService,
  ) {}

  /** What redeeming the code against this order would do; changes nothing. `reason` is the error code a redemption would get. */
  @Roles('merchant')
  @RateLimit('vouchers.verify.merchant')
  @Post('vouchers/verify')
  @HttpCode(200)
  verify(@CurrentPrincipal() principal: MerchantPrincipal, @Body() body: VerifyVoucherDto) {
    return this.redemptions.verify(principal.merchantId, body);
  }

  /** Redeems a voucher at checkout: discount = faceValue, payable = orderAmount − faceValue. */
  @Roles('merchant')
  @RateLimit('redemptions.merchant')
  @ApiHeader(IDEMPOTENCY_HEADER)
  @Post('redemptions')
  async redeem(
    @CurrentPrincipal() principal: MerchantPrincipal,
    @IdempotencyKey() key: string,
    @Body() body: RedeemVoucherDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answer(reply, await this.redemptions.redeem(principal.merchantId, key, body));
  }

  /**
   * Reverses a redemption (a refund) once, within the reversal window; the voucher can be used
   * again while valid, or, when the subsidy was paid out already, once it is recovered or approved.
   */
  @Roles('merchant')
  @RateLimit('redemptions.merchant')
  @ApiHeader(IDEMPOTENCY_HEADER)
  @Post('redemptions/:id/reverse')
  @HttpCode(200)
  async reverse(
    @CurrentPrincipal() principal: MerchantPrincipal,
    @Param('id', uuidParam) id: string,
    @IdempotencyKey() key: string,
    @Body() body: ReverseRedemptionDto,
    @CurrentAuditContext() context: AuditContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answer(reply, await this.redemptions.reverse(principal.merchantId, id, key, body, context));
  }

  /** Finance gives the voucher of a pending reversal back now, before its deduction is recovered. */
  @Roles('finance')
  @Post('redemptions/:id/reversal/approve')
  @HttpCode(200)
  approveReversal(@Param('id', uuidParam) id: string, @CurrentAuditContext() context: AuditContext) {
    return this.pendingReversals.approve(id, context);
  }

  /** Merchant: its own redemptions. Bureau: all, or one merchant's with `merchantId`. */
  @Roles('merchant', 'finance', 'auditor')
  @Get('redemptions')
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListRedemptionsQuery) {
    return this.redemptions.list(scopeOf(principal, query.merchantId), query);
  }

  @Roles('merchant', 'finance', 'auditor')
  @Get('redemptions/:id')
  get(@CurrentPrincipal() principal: Principal, @Param('id', uuidParam) id: string) {
    return this.redemptions.get(scopeOf(principal), id);
  }
}
