import { Injectable } from '@nestjs/common';
import { NewClaimedVoucher, VouchersService } from '../vouchers/vouchers.service';
import { MicroBatcher } from '../common/micro-batcher';

/** Rows per INSERT, and INSERTs in flight at once (each holds one pooled connection). */
export const CLAIM_BATCH_SIZE = 200;
export const CLAIM_CONCURRENT_BATCHES = 4;

/**
 * SQLSTATEs of the vouchers trigger (migrations ClaimSlots, RoundLifecycle): a stock slot past
 * the quantity, a claim number past the per-resident limit, a round no longer active. Only a
 * Redis state out of step can cause them.
 */
export const BEYOND_QUANTITY = 'JH001';
export const BEYOND_LIMIT = 'JH002';
/** The round was cancelled or closed (migration RoundLifecycle): a claim Redis admitted before it heard. */
export const ROUND_ENDED = 'JH003';

export type WriteResult =
  | { outcome: 'stored'; claimedAt: Date }
  /** A unique stock slot, claim number or code was already taken. */
  | { outcome: 'conflict' }
  | { outcome: 'beyond-quantity' | 'beyond-limit' | 'round-ended' };

function triggerRefusal(error: unknown): WriteResult | undefined {
  const code = (error as { code?: unknown }).code;
  if (code === BEYOND_QUANTITY) return { outcome: 'beyond-quantity' };
  if (code === BEYOND_LIMIT) return { outcome: 'beyond-limit' };
  if (code === ROUND_ENDED) return { outcome: 'round-ended' };
  return undefined;
}

/**
 * Stores admitted claims in multi-row INSERTs: claims admitted while earlier batches are
 * being written leave together in the next one. Each caller's promise settles only after
 * its batch has committed (or failed), so a 201 is never sent for an uncommitted voucher.
 */
@Injectable()
export class VoucherWriter {
  private readonly batcher: MicroBatcher<NewClaimedVoucher, WriteResult>;

  constructor(private readonly vouchers: VouchersService) {
    this.batcher = new MicroBatcher({
      maxBatchSize: CLAIM_BATCH_SIZE,
      maxConcurrentFlushes: CLAIM_CONCURRENT_BATCHES,
      flush: (rows) => this.flush(rows),
    });
  }

  write(row: NewClaimedVoucher): Promise<WriteResult> {
    return this.batcher.submit(row);
  }

  private async flush(rows: NewClaimedVoucher[]): Promise<WriteResult[]> {
    try {
      return this.results(rows, await this.vouchers.insertClaimed(rows));
    } catch (error) {
      // One row the trigger refuses fails the whole statement: write the rows one by one so the others still land.
      const refusal = triggerRefusal(error);
      if (!refusal) throw error;
      if (rows.length === 1) return [refusal];
      const results: WriteResult[] = [];
      for (const row of rows) results.push(...(await this.flush([row])));
      return results;
    }
  }

  private results(rows: NewClaimedVoucher[], stored: Map<string, Date>): WriteResult[] {
    return rows.map((row) => {
      const claimedAt = stored.get(row.id);
      return claimedAt ? { outcome: 'stored', claimedAt } : { outcome: 'conflict' };
    });
  }
}
