import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AuditContext } from '../audit/audit.types';
import { DomainError, forbidden, notFound } from '../common/errors/domain-error';
import type { Page } from '../common/http/pagination';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { requestFingerprint } from '../idempotency/idempotency.rules';
import { IdempotencyService, IdempotentRequest, IdempotentResult } from '../idempotency/idempotency.service';
import type { Merchant } from '../merchants/merchant.entity';
import { MerchantsService } from '../merchants/merchants.service';
import { MetricsService } from '../metrics/metrics.service';
import { OutstandingService } from '../settlement/outstanding.service';
import { VouchersService } from '../vouchers/vouchers.service';
import { WebhookEvents } from '../webhooks/webhook-events';
import type { Voucher } from '../vouchers/voucher.entity';
import { normaliseVoucherCode } from '../vouchers/voucher-code';
import { ListRedemptionsQuery, RedeemVoucherDto, ReverseRedemptionDto, VerifyVoucherDto } from './dto/redemption.dto';
import { Redemption } from './redemption.entity';
import { assessCheckout, CheckoutAssessment, decideReversal, mayAdjustRedemptions, reversalStatus } from './redemption.rules';
import { CREATED_STATUS, RedemptionStatement } from './redemption.statement';
import { RedemptionView, ReversalView, toRedemptionView } from './redemption.view';

/** The operation a redemption's Idempotency-Key is recorded for. */
const REDEEM_OPERATION = 'POST /redemptions';

export interface VerifyResult {
  eligible: boolean;
  discount: number;
  payable: number;
  /** The error code a redemption would get now. */
  reason?: string;
  message?: string;
}

/** The request as it identifies an idempotent retry: the code in canonical form, however it was typed. */
function identifyingPayload(input: RedeemVoucherDto): RedeemVoucherDto {
  return { ...input, code: normaliseVoucherCode(input.code) ?? input.code };
}

/** Whose redemptions a caller may list: one merchant's, or (bureau) everyone's. */
export type RedemptionScope = { merchantId: string } | { merchantId?: undefined };

/**
 * Checkout: verify, redeem and reverse. Single use is decided in the database (a
 * conditional update on the voucher, committed with the redemption row), and every write
 * is idempotent per merchant and Idempotency-Key.
 */
@Injectable()
export class RedemptionsService {
  /** This process's redemptions in the one statement, by merchant and key (see redeem). */
  private readonly inStatement = new Map<string, { fingerprint: string; made: Promise<boolean> }>();

  constructor(
    @InjectRepository(Redemption) private readonly redemptions: Repository<Redemption>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly vouchers: VouchersService,
    private readonly merchants: MerchantsService,
    private readonly idempotency: IdempotencyService,
    private readonly metrics: MetricsService,
    private readonly statement: RedemptionStatement,
    private readonly outstanding: OutstandingService,
    private readonly audit: AuditService,
    private readonly webhooks: WebhookEvents,
  ) {}

  /** What a redemption would do now; changes nothing. 404 only for an unknown code. */
  async verify(merchantId: string, input: VerifyVoucherDto): Promise<VerifyResult> {
    const { assessment } = await this.assess(merchantId, input.code, input.orderAmount, new Date());
    if (assessment.eligible) return { eligible: true, discount: assessment.discount, payable: assessment.payable };
    return { eligible: false, discount: 0, payable: assessment.payable, reason: assessment.reason, message: assessment.message };
  }

  /**
   * Redeems in one statement when everything is in order (the common case: one round trip,
   * one commit); otherwise, or when the key is already known, step by step, which finds the
   * precise refusal, replay or conflict. Both paths give the same answers (see
   * redemption.statement.ts).
   *
   * The statement records the key only as it commits, so a retry arriving while its original
   * is still in this process's statement cannot see the key held, as it would on the
   * step-by-step path. It waits for the original's outcome instead: if the original made the
   * redemption, the retry gets what a held key answers (409 IDEMPOTENCY_IN_PROGRESS, or 422
   * for another body); if not, the key was used before or the request was refused, which the
   * step-by-step path decides for both.
   */
  async redeem(merchantId: string, idempotencyKey: string, input: RedeemVoucherDto): Promise<IdempotentResult<RedemptionView>> {
    const request: IdempotentRequest = { merchantId, key: idempotencyKey, operation: REDEEM_OPERATION, payload: identifyingPayload(input) };
    return this.counted(this.metrics.redemptions, 'created', async () => {
      const code = normaliseVoucherCode(input.code);
      if (!code) return this.redeemStepByStep(request, input);
      const fingerprint = requestFingerprint(request.operation, request.payload);
      const keyId = `${merchantId} ${idempotencyKey}`;
      const original = this.inStatement.get(keyId);
      if (original) {
        if (await original.made) throw this.idempotency.refuseWhileHeld(original.fingerprint, fingerprint);
        return this.redeemStepByStep(request, input);
      }
      const redeeming = this.statement.redeem({
        id: randomUUID(),
        merchantId,
        code,
        orderAmount: input.orderAmount,
        orderRef: input.orderRef ?? null,
        at: new Date(),
        idempotencyKey,
        fingerprint,
      });
      this.inStatement.set(keyId, {
        fingerprint,
        made: redeeming.then(
          (answer) => answer !== undefined,
          () => false,
        ),
      });
      try {
        const redeemed = await redeeming;
        return redeemed ? { body: redeemed, replayed: false } : this.redeemStepByStep(request, input);
      } finally {
        this.inStatement.delete(keyId);
      }
    });
  }

  /** The general path: claim the key, read, apply the rule, then commit the writes with the answer. */
  private redeemStepByStep(request: IdempotentRequest, input: RedeemVoucherDto): Promise<IdempotentResult<RedemptionView>> {
    const { merchantId } = request;
    // Read what the rule needs while the key is being claimed (one round trip fewer). Only
    // used if the claim succeeds; the decision itself is taken later by the conditional
    // update, so reading a moment before the claim changes nothing.
    const reading = this.read(merchantId, input.code);
    reading.catch(() => undefined); // awaited below unless the key answers first
    return this.idempotency.run(request, CREATED_STATUS, async (commit) => {
      const now = new Date();
      const { voucher, assessment } = this.decide(await reading, input.orderAmount, now);
      if (!assessment.eligible) throw new DomainError(assessment.reason, assessment.message);
      const redemption = this.redemptions.create({
        id: randomUUID(),
        voucherId: voucher.id,
        merchantId,
        campaignId: voucher.campaignId,
        roundId: voucher.roundId,
        denominationId: voucher.denominationId,
        code: voucher.code,
        faceValue: voucher.faceValue,
        orderAmount: input.orderAmount,
        discount: assessment.discount,
        payable: assessment.payable,
        orderRef: input.orderRef ?? null,
        status: 'active',
        redeemedAt: now,
        reversedAt: null,
        reversalReason: null,
        settlementStatementId: null,
        reversalStatementId: null,
        createdAt: now,
      });
      return commit(async (manager) => {
        // The affected-row count decides: of concurrent redemptions of one voucher exactly
        // one moves it from claimed to redeemed; the others end here.
        if (!(await this.vouchers.markRedeemed(manager, voucher.id, now))) {
          throw new DomainError('VOUCHER_ALREADY_REDEEMED', 'This voucher was redeemed already');
        }
        await manager.createQueryBuilder().insert().into(Redemption).values(redemption).updateEntity(false).execute();
        const view = toRedemptionView(redemption);
        await this.webhooks.emit(manager, 'voucher.redeemed', view, voucher.id);
        return view;
      });
    });
  }

  /**
   * Reverses a redemption (a refunded purchase) once, within the reversal window. The
   * voucher goes back to claimed, or to expired when its validity has passed. A redemption
   * already settled keeps its settlement_statement_id; settlement deducts it from the
   * merchant's next statement and records that in reversal_statement_id. When that statement
   * was paid out already, the reversal stands as reversal_pending and the voucher stays
   * redeemed until the deduction is recovered or finance approves (PendingReversalsService).
   */
  async reverse(
    merchantId: string,
    id: string,
    idempotencyKey: string,
    input: ReverseRedemptionDto,
    context: AuditContext,
  ): Promise<IdempotentResult<ReversalView>> {
    const windowDays = this.config.redemptionReversalWindowDays;
    return this.counted(this.metrics.redemptionReversals, 'reversed', () =>
      this.idempotency.run(
        { merchantId, key: idempotencyKey, operation: `POST /redemptions/${id}/reverse`, payload: input },
        200,
        async (commit) => {
          const existing = await this.redemptions.findOneBy({ id });
          if (!existing) throw notFound('redemption', id);
          if (existing.merchantId !== merchantId) throw forbidden('This redemption belongs to another merchant');
          const now = new Date();
          const decision = decideReversal(existing, now, windowDays);
          if (!decision.allowed) throw new DomainError('REVERSAL_NOT_ALLOWED', decision.message);

          return commit(async (manager) => {
            // Read with a share lock on the merchant, so a suspension or hold committing meanwhile
            // waits for this reversal or is seen by it: never a reversal after either.
            const eligibility = mayAdjustRedemptions(await this.merchants.lockedStatus(manager, merchantId));
            if (!eligibility.allowed) throw new DomainError('MERCHANT_NOT_ELIGIBLE', eligibility.message);
            // The row lock decides between concurrent reversals (the later one finds it reversed)
            // and serialises with settlement's own conditional update of this row, so its
            // statement link is current when we ask whether that statement was paid.
            const current = await manager.findOneOrFail(Redemption, { where: { id }, lock: { mode: 'pessimistic_write' } });
            const stillAllowed = decideReversal(current, now, windowDays);
            if (!stillAllowed.allowed) throw new DomainError('REVERSAL_NOT_ALLOWED', stillAllowed.message);
            const paidOut =
              current.settlementStatementId !== null && (await this.outstanding.isPaidOut(manager, current.settlementStatementId));
            const status = reversalStatus(paidOut);
            await manager.update(Redemption, { id }, { status, reversedAt: now, reversalReason: input.reason });
            const reversed = await manager.findOneByOrFail(Redemption, { id });
            if (status === 'reversal_pending') {
              await this.audit.record(manager, context, {
                action: 'redemption.reversal_pending',
                subject: { type: 'redemption', id },
                before: { status: current.status },
                after: { status, reason: input.reason, settlementStatementId: current.settlementStatementId },
              });
              return { ...toRedemptionView(reversed), voucherStatus: 'redeemed' as const };
            }
            const voucherStatus = await this.vouchers.releaseRedeemed(manager, current.voucherId, now);
            // An active redemption always holds a redeemed voucher; anything else is corrupt data, not a client error.
            if (!voucherStatus) throw new Error(`redemption ${id} is active but its voucher ${current.voucherId} is not redeemed`);
            const view = { ...toRedemptionView(reversed), voucherStatus };
            await this.webhooks.emit(manager, 'voucher.reversed', view, reversed.voucherId);
            await this.audit.record(manager, context, {
              action: 'redemption.reversed',
              subject: { type: 'redemption', id },
              before: { status: current.status, voucherStatus: 'redeemed' },
              after: { status, reason: input.reason, voucherStatus, settlementStatementId: current.settlementStatementId },
            });
            return view;
          });
        },
      ),
    );
  }

  /** Newest first; `from` inclusive, `to` exclusive. */
  async list(scope: RedemptionScope, query: ListRedemptionsQuery): Promise<Page<RedemptionView>> {
    if (query.from && query.to && query.from.getTime() >= query.to.getTime()) {
      throw new DomainError('VALIDATION_FAILED', 'from must be before to', [{ field: 'from', problems: ['must be before to'] }]);
    }
    const qb = this.redemptions.createQueryBuilder('r').orderBy('r.redeemed_at', 'DESC').addOrderBy('r.id', 'DESC');
    const merchantId = scope.merchantId ?? query.merchantId;
    if (merchantId) qb.andWhere('r.merchant_id = :merchantId', { merchantId });
    if (query.from) qb.andWhere('r.redeemed_at >= :from', { from: query.from });
    if (query.to) qb.andWhere('r.redeemed_at < :to', { to: query.to });
    if (query.status) qb.andWhere('r.status = :status', { status: query.status });
    const [items, total] = await qb.take(query.limit).skip(query.offset).getManyAndCount();
    return { items: items.map(toRedemptionView), total };
  }

  async get(scope: RedemptionScope, id: string): Promise<RedemptionView> {
    const redemption = await this.redemptions.findOneBy({ id });
    if (!redemption) throw notFound('redemption', id);
    if (scope.merchantId !== undefined && redemption.merchantId !== scope.merchantId)
      throw forbidden('This redemption belongs to another merchant');
    return toRedemptionView(redemption);
  }

  /** The one place verify and redeem read what the checkout rule needs, and apply it. */
  private async assess(
    merchantId: string,
    code: string,
    orderAmount: number,
    now: Date,
  ): Promise<{ voucher: Voucher; assessment: CheckoutAssessment }> {
    return this.decide(await this.read(merchantId, code), orderAmount, now);
  }

  private async read(merchantId: string, code: string): Promise<{ merchant: Merchant | undefined; voucher: Voucher | null }> {
    const [merchant, voucher] = await Promise.all([this.findMerchant(merchantId), this.vouchers.findByCode(code)]);
    return { merchant, voucher };
  }

  private decide(
    { merchant, voucher }: { merchant: Merchant | undefined; voucher: Voucher | null },
    orderAmount: number,
    now: Date,
  ): { voucher: Voucher; assessment: CheckoutAssessment } {
    if (!voucher) throw notFound('voucher');
    return { voucher, assessment: assessCheckout({ merchant, voucher, orderAmount, now }) };
  }

  /** The merchant's current record (re-read per action, so a suspension takes effect at once). */
  private async findMerchant(merchantId: string): Promise<Merchant | undefined> {
    try {
      return await this.merchants.get(merchantId);
    } catch (error) {
      // A validly signed merchant JWT naming no merchant: not eligible, rather than a 404 about the caller.
      if (error instanceof DomainError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** Counts each attempt by outcome: the success label, "replayed", or the error code. */
  private async counted<T>(
    counter: MetricsService['redemptions'],
    success: string,
    attempt: () => Promise<IdempotentResult<T>>,
  ): Promise<IdempotentResult<T>> {
    try {
      const result = await attempt();
      counter.inc({ outcome: result.replayed ? 'replayed' : success });
      return result;
    } catch (error) {
      counter.inc({ outcome: error instanceof DomainError ? error.code : 'error' });
      throw error;
    }
  }
}
