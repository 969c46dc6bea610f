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
}
