import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AuditContext } from '../audit/audit.types';
import { DomainError, notFound } from '../common/errors/domain-error';
import { UnitOfWork } from '../database/unit-of-work';
import type { DeductedReversals } from '../settlement/deducted-reversals';
import { VouchersService } from '../vouchers/vouchers.service';
import { Redemption } from './redemption.entity';
import { mayApprovePendingReversal } from './redemption.rules';
import { ReversalView, toRedemptionView } from './redemption.view';

/**
 * The end of a pending reversal (SPEC "Merchant": a reversal of a redemption whose subsidy was
 * already paid out): the voucher goes back to the resident once the deduction has been
 * recovered from a later statement (the settlement run that deducts it calls
 * completeDeducted in its own transaction) or once finance approves it. Kept apart from
 * RedemptionsService so the settlement worker can use it without the checkout.
 */
@Injectable()
export class PendingReversalsService implements DeductedReversals {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly vouchers: VouchersService,
    private readonly audit: AuditService,
  ) {}

  /** Finance returns the voucher now; the deduction still comes from the merchant's next statement. */
  async approve(id: string, context: AuditContext): Promise<ReversalView> {
    return this.uow.run(async (manager) => {
      const redemption = await manager.findOne(Redemption, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!redemption) throw notFound('redemption', id);
      const decision = mayApprovePendingReversal(redemption);
      if (!decision.allowed) throw new DomainError('INVALID_STATE', decision.message);
      return this.complete(manager, redemption, 'redemption.reversal_approved', context);
    });
  }

  /**
   * Completes the pending reversals the statement has just deducted, inside the run's
   * transaction for the statement (their rows are locked by its linking update already).
   */
  async completeDeducted(manager: EntityManager, statementId: string, context: AuditContext): Promise<void> {
    const deducted = await manager.find(Redemption, {
      where: { reversalStatementId: statementId, status: 'reversal_pending' },
      order: { id: 'ASC' },
    });
    for (const redemption of deducted) await this.complete(manager, redemption, 'redemption.reversal_completed', context);
  }

  /** reversal_pending → reversed, and the voucher back to claimed (or expired, past its validity), with its audit event. */
  private async complete(
    manager: EntityManager,
    redemption: Redemption,
    action: 'redemption.reversal_approved' | 'redemption.reversal_completed',
    context: AuditContext,
  ): Promise<ReversalView> {
    const now = new Date();
    await manager.update(Redemption, { id: redemption.id }, { status: 'reversed' });
    const voucherStatus = await this.vouchers.releaseRedeemed(manager, redemption.voucherId, now);
    // A pending reversal always holds its voucher redeemed; anything else is corrupt data, not a client error.
    if (!voucherStatus)
      throw new Error(`redemption ${redemption.id} is reversal_pending but its voucher ${redemption.voucherId} is not redeemed`);
    await this.audit.record(manager, context, {
      action,
      subject: { type: 'redemption', id: redemption.id },
      before: { status: redemption.status, voucherStatus: 'redeemed' },
      after: { status: 'reversed', voucherStatus, reversalStatementId: redemption.reversalStatementId },
    });
    return { ...toRedemptionView({ ...redemption, status: 'reversed' }), voucherStatus };
  }
}
