import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { normaliseVoucherCode } from './voucher-code';
import { Voucher } from './voucher.entity';

/**
 * The vouchers module owns the vouchers table. Other modules change a voucher's state only
 * through these methods, passing their transaction's manager so the change commits (or
 * not) together with their own rows.
 */
@Injectable()
export class VouchersService {
  constructor(@InjectRepository(Voucher) private readonly vouchers: Repository<Voucher>) {}

  /** Finds a voucher by a code as typed (any case, spaces, dashes). */
  async findByCode(code: string, manager?: EntityManager): Promise<Voucher | null> {
    const normalised = normaliseVoucherCode(code);
    if (!normalised) return null;
    return (manager ?? this.vouchers.manager).findOneBy(Voucher, { code: normalised });
  }

  /**
   * claimed → redeemed, only if it is still claimed and valid at `at`. The affected-row
   * count decides (true: this caller redeemed it), so two concurrent redemptions can never
   * both succeed.
   */
  async markRedeemed(manager: EntityManager, voucherId: string, at: Date): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(Voucher)
      .set({ status: 'redeemed', redeemedAt: at, updatedAt: at })
      .where(`id = :voucherId AND status = 'claimed' AND valid_from <= :at AND valid_until > :at`, { voucherId, at })
      .execute();
    return result.affected === 1;
  }

  /**
   * redeemed → claimed (or → expired when its validity has passed), for a reversed
   * redemption. Only a redeemed voucher moves; returns the status it now has, or undefined
   * when it was not redeemed.
   */
  async releaseRedeemed(manager: EntityManager, voucherId: string, at: Date): Promise<'claimed' | 'expired' | undefined> {
    const result = await manager
      .createQueryBuilder()
      .update(Voucher)
      .set({ status: () => `CASE WHEN valid_until > :at THEN 'claimed' ELSE 'expired' END`, redeemedAt: null, updatedAt: at })
      .where(`id = :voucherId AND status = 'redeemed'`, { voucherId, at })
      .returning('status')
      .execute();
    return (result.raw as Array<{ status: 'claimed' | 'expired' }>)[0]?.status;
  }

  /**
   * claimed → expired for every voucher past its validity, in batches so no statement holds
   * many row locks for long. Rows being redeemed right now are skipped (SKIP LOCKED) and
   * picked up next time; a voucher past validity cannot be redeemed anyway (markRedeemed
   * checks valid_until). Returns how many were marked.
   */
  async expireOverdue(batchSize = 5000): Promise<number> {
    let marked = 0;
    for (;;) {
      const [{ count }]: [{ count: number }] = await this.vouchers.manager.query(
        `WITH due AS (
           SELECT id FROM vouchers WHERE status = 'claimed' AND valid_until <= now()
            ORDER BY valid_until LIMIT $1 FOR UPDATE SKIP LOCKED),
         marked AS (
           UPDATE vouchers v SET status = 'expired', updated_at = now()
             FROM due WHERE v.id = due.id AND v.status = 'claimed'
           RETURNING 1)
         SELECT count(*)::int AS count FROM marked`,
        [batchSize],
      );
      marked += count;
      if (count < batchSize) return marked;
    }
  }
}
