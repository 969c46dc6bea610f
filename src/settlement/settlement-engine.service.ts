import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { systemAuditContext } from '../audit/audit-context';
import { UnitOfWork } from '../database/unit-of-work';
import {
  COMPLETE_STATEMENT,
  INSERT_STATEMENT,
  LAST_STATEMENT,
  LINK_REDEMPTIONS,
  LOCK_MERCHANT,
  MERCHANT_LOCK_NAMESPACE,
  MERCHANT_STATE,
  MERCHANTS_WITH_WORK,
} from './settlement.queries';
import { statementAmounts } from './settlement.rules';
import { DeductedReversals } from './deducted-reversals';

/** Merchants fetched per keyset page: the most a run ever holds in memory. */
const MERCHANT_PAGE = 200;
/** Merchants settled at once within a run (each in its own transaction). */
const MERCHANT_CONCURRENCY = 2;
/** A merchant's transaction may wait on a concurrent run's lock or link many rows: well past the API's 30 s. */
const MERCHANT_STATEMENT_TIMEOUT = '15min';
const BEFORE_EVERY_UUID = '00000000-0000-0000-0000-000000000000';

export type SettleOutcome = 'done' | 'interrupted';

interface LinkedTotals {
  redemption_count: number;
  gross: string;
  voided_count: number;
  reversal_count: number;
  reversed: string;
}

/**
 * Turns a run's outstanding redemptions and reversals into statements, one merchant per
 * transaction. Exactly once, whoever runs it how often:
 * - each merchant's transaction takes the merchant's advisory lock, so runs never work on
 *   one merchant at the same time, and the carry-forward chain is read and extended safely;
 * - under the lock it skips the merchant when this run already has its statement (the
 *   transaction that wrote it also linked its redemptions, so a retried or resumed run
 *   continues where the last attempt committed);
 * - redemptions are linked by UPDATE … WHERE link IS NULL, so a redemption another run
 *   has taken is never counted again.
 * Memory is bounded by the page of merchant ids; the redemptions never leave PostgreSQL.
 */
@Injectable()
export class SettlementEngine {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly pendingReversals: DeductedReversals,
  ) {}

  async settle(runId: string, cutoff: Date, shouldStop: () => boolean): Promise<SettleOutcome> {
    let after = BEFORE_EVERY_UUID;
    for (;;) {
      if (shouldStop()) return 'interrupted';
      const page: Array<{ id: string }> = await this.unitOfWork.manager.query(MERCHANTS_WITH_WORK, [after, cutoff, MERCHANT_PAGE]);
      if (page.length === 0) return 'done';
      const finished = await forEachWithLimit(
        page.map((row) => row.id),
        MERCHANT_CONCURRENCY,
        (merchantId) => this.settleMerchant(runId, cutoff, merchantId),
        shouldStop,
      );
      if (!finished) return 'interrupted';
      after = page[page.length - 1].id;
    }
  }

  /**
   * One merchant's statement in this run, written with its links in one transaction (or
   * nothing), and with it the completion of the pending reversals it deducts.
   */
  private settleMerchant(runId: string, cutoff: Date, merchantId: string): Promise<void> {
    return this.unitOfWork.run(async (manager: EntityManager) => {
      await manager.query(`SET LOCAL statement_timeout = '${MERCHANT_STATEMENT_TIMEOUT}'`);
      await manager.query(LOCK_MERCHANT, [MERCHANT_LOCK_NAMESPACE, merchantId]);
      const [state]: Array<{ done: boolean; has_work: boolean }> = await manager.query(MERCHANT_STATE, [runId, merchantId, cutoff]);
      if (!state || state.done || !state.has_work) return;

      const [last]: Array<{ sequence: number; carried_forward: string }> = await manager.query(LAST_STATEMENT, [merchantId]);
      const carriedIn = Number(last?.carried_forward ?? 0);
      const [statement]: Array<{ id: string }> = await manager.query(INSERT_STATEMENT, [
        runId,
        merchantId,
        (last?.sequence ?? 0) + 1,
        carriedIn,
      ]);

      const [linked]: LinkedTotals[] = await manager.query(LINK_REDEMPTIONS, [statement.id, merchantId, cutoff]);
      const amounts = statementAmounts({ gross: Number(linked.gross), reversed: Number(linked.reversed), carriedIn });
      await manager.query(COMPLETE_STATEMENT, [
        statement.id,
        linked.redemption_count,
        linked.voided_count,
        linked.reversal_count,
        amounts.gross,
        amounts.deductions,
        amounts.net,
        amounts.carriedForward,
      ]);
      // Last: it takes the audit chain's lock, held until this commits.
      if (linked.reversal_count > 0)
        await this.pendingReversals.completeDeducted(manager, statement.id, systemAuditContext(`settlement-run ${runId}`));
    });
  }
}

/**
 * Runs `work` over `items` with at most `limit` in flight, starting no new item once
 * `shouldStop` says so or an item failed. Resolves true when every item was done; rethrows
 * the first failure only once nothing is in flight any more.
 */
async function forEachWithLimit<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
  shouldStop: () => boolean,
): Promise<boolean> {
  let next = 0;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (next < items.length && !failure) {
      if (shouldStop()) {
        stopped = true;
        return;
      }
      try {
        await work(items[next++]);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.error;
  return !stopped;
}
