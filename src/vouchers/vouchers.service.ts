import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { notFound } from '../common/errors/domain-error';
import type { Page } from '../common/http/pagination';
import { outboxInsertSql, WebhookEvents } from '../webhooks/webhook-events';
import { normaliseVoucherCode } from './voucher-code';
import { Voucher } from './voucher.entity';
import type { VoucherStatus } from './voucher.rules';

/** A voucher the claim engine admitted, with its stock slot and claim number (see migration ClaimSlots). */
export interface NewClaimedVoucher {
  id: string;
  code: string;
  residentId: string;
  campaignId: string;
  roundId: string;
  denominationId: string;
  theme: string;
  faceValue: number;
  minSpend: number;
  validFrom: Date;
  validUntil: Date;
  stockSlot: number;
  claimSeq: number;
}

/** Why a claimed voucher was not inserted: what a stored voucher already holds ('stored': the voucher itself is there). */
export type ClaimConflict = 'stored' | 'stock_slot' | 'claim_seq' | 'code' | 'none';

/** A round's stored claims, from which the claim engine's Redis state is rebuilt. */
export interface StoredRoundClaims {
  slots: Map<string, number[]>;
  unslotted: Map<string, number>;
  residents: Map<string, number[]>;
  faceValue: number;
}

/** How far before the end of the last expiry sweep the next one starts (see expireOverdue). */
const EXPIRY_SWEEP_OVERLAP = '5 minutes';
/** Sorts before every other uuid: the start of a (valid_until, id) position. */
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** A voucher's webhook event data (voucher.expiring, voucher.expired) as SQL over a vouchers row `v`. */
const VOUCHER_EVENT_DATA = `jsonb_build_object(
  'voucherId', v.id, 'residentId', v.resident_id, 'campaignId', v.campaign_id, 'roundId', v.round_id,
  'denominationId', v.denomination_id, 'faceValue', v.face_value, 'validUntil', v.valid_until)`;

/** The effective status (see effectiveStatus) as SQL over the vouchers table. */
const STATUS_FILTER: Record<VoucherStatus, string> = {
  claimed: `status = 'claimed' AND valid_until > :now`,
  expired: `(status = 'expired' OR (status = 'claimed' AND valid_until <= :now))`,
  redeemed: `status = 'redeemed'`,
};

/**
 * The vouchers module owns the vouchers table. Other modules change a voucher's state only
 * through these methods, passing their transaction's manager so the change commits (or
 * not) together with their own rows.
 */
@Injectable()
export class VouchersService {
  constructor(
    @InjectRepository(Voucher) private readonly vouchers: Repository<Voucher>,
    private readonly webhooks: WebhookEvents,
  ) {}

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
   * claimed → expired for every voucher past its validity. The sweep walks the
   * (valid_until, id) index from where the last sweep ended up to now, in batches so that no
   * statement holds many row locks for long, then records how far it got. It starts
   * EXPIRY_SWEEP_OVERLAP before that point: a reversal decided just before a voucher's
   * validity ended can put it back to claimed after a sweep went past it. Readers never
   * depend on the sweep (effectiveStatus, markRedeemed and the status filters treat a claimed
   * voucher past validity as expired); it brings the stored status in line, and each voucher
   * it marks gets its voucher.expired webhook event in the same statement. Returns how many
   * were marked.
   */
  async expireOverdue(batchSize = 5000): Promise<number> {
    const manager = this.vouchers.manager;
    const [{ until, after }]: [{ until: string; after: string }] = await manager.query(
      `SELECT now()::text AS until,
              coalesce((SELECT swept_through - $1::interval FROM voucher_expiry_sweeps), '-infinity')::text AS after`,
      [EXPIRY_SWEEP_OVERLAP],
    );
    let position = { after, afterId: NIL_UUID };
    let marked = 0;
    for (;;) {
      const [batch]: [{ marked: number; seen: number; after: string; after_id: string }] = await manager.query(
        `WITH due AS (
           SELECT id, valid_until FROM vouchers
            WHERE (valid_until, id) > ($1::timestamptz, $2::uuid) AND valid_until <= $3::timestamptz
            ORDER BY valid_until, id LIMIT $4),
         marked AS (
           UPDATE vouchers v SET status = 'expired', updated_at = now()
             FROM due WHERE v.id = due.id AND v.status = 'claimed'
           RETURNING v.id, ${VOUCHER_EVENT_DATA} AS data),
         webhook AS (${outboxInsertSql('voucher.expired', 'marked', 'marked.data', 'marked.id')}),
         last AS (SELECT valid_until, id FROM due ORDER BY valid_until DESC, id DESC LIMIT 1)
         SELECT (SELECT count(*)::int FROM marked) AS marked, (SELECT count(*)::int FROM due) AS seen,
                (SELECT valid_until::text FROM last) AS after, (SELECT id FROM last) AS after_id`,
        [position.after, position.afterId, until, batchSize],
      );
      marked += batch.marked;
      if (batch.seen < batchSize) break;
      position = { after: batch.after, afterId: batch.after_id };
    }
    await manager.query(
      `INSERT INTO voucher_expiry_sweeps (swept_through) VALUES ($1::timestamptz)
       ON CONFLICT (only_row) DO UPDATE SET swept_through = greatest(voucher_expiry_sweeps.swept_through, excluded.swept_through)`,
      [until],
    );
    return marked;
  }

  /**
   * The voucher.expiring webhook event of every claimed voucher whose validity ends within
   * `days` days, once per voucher: however many of these run at once, the outbox's unique
   * (voucher, type) index lets one event per voucher through. Returns how many were new.
   */
  async remindExpiring(days: number): Promise<number> {
    return this.webhooks.emitAll(
      this.vouchers.manager,
      'voucher.expiring',
      `SELECT v.id AS voucher_id, ${VOUCHER_EVENT_DATA} AS data FROM vouchers v
        WHERE v.status = 'claimed' AND v.valid_until > now() AND v.valid_until <= now() + $1 * interval '1 day'`,
      [days],
    );
  }

  /**
   * Stores claimed vouchers in one multi-row INSERT (one implicit transaction). A row whose
   * stock slot, claim number or code is already taken is skipped rather than failing the
   * others; returns the stored ids with their claim time.
   */
  async insertClaimed(rows: readonly NewClaimedVoucher[]): Promise<Map<string, Date>> {
    if (rows.length === 0) return new Map();
    const column = <K extends keyof NewClaimedVoucher>(key: K) => rows.map((row) => row[key]);
    const inserted = await this.vouchers.query<Array<{ id: string; claimed_at: Date }>>(
      `INSERT INTO vouchers (id, code, resident_id, campaign_id, round_id, denomination_id, theme, face_value, min_spend,
                             valid_from, valid_until, stock_slot, claim_seq)
       SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::uuid[], $5::uuid[], $6::uuid[], $7::varchar[],
                            $8::bigint[], $9::bigint[], $10::timestamptz[], $11::timestamptz[], $12::int[], $13::int[])
       ON CONFLICT DO NOTHING
       RETURNING id, claimed_at`,
      [
        column('id'),
        column('code'),
        column('residentId'),
        column('campaignId'),
        column('roundId'),
        column('denominationId'),
        column('theme'),
        column('faceValue'),
        column('minSpend'),
        column('validFrom'),
        column('validUntil'),
        column('stockSlot'),
        column('claimSeq'),
      ],
    );
    return new Map(inserted.map((row) => [row.id, row.claimed_at]));
  }

  /** Why a claimed voucher was skipped by insertClaimed ('none': whatever was in the way is gone). */
  async claimConflict(row: NewClaimedVoucher): Promise<ClaimConflict> {
    const [found] = await this.vouchers.query<Array<{ stored: boolean; slot: boolean; seq: boolean; code: boolean }>>(
      `SELECT
         EXISTS (SELECT 1 FROM vouchers WHERE id = $1) AS stored,
         EXISTS (SELECT 1 FROM vouchers WHERE denomination_id = $2 AND stock_slot = $3) AS slot,
         EXISTS (SELECT 1 FROM vouchers WHERE round_id = $4 AND resident_id = $5 AND claim_seq = $6) AS seq,
         EXISTS (SELECT 1 FROM vouchers WHERE code = $7) AS code`,
      [row.id, row.denominationId, row.stockSlot, row.roundId, row.residentId, row.claimSeq, row.code],
    );
    if (found?.stored) return 'stored';
    if (!found) return 'none';
    if (found.slot) return 'stock_slot';
    if (found.seq) return 'claim_seq';
    return found.code ? 'code' : 'none';
  }

  /** How many vouchers each denomination of the round has stored, read in the caller's transaction. */
  async storedPerDenomination(manager: EntityManager, roundId: string): Promise<Map<string, number>> {
    const rows = await manager.query<Array<{ denomination_id: string; stored: number }>>(
      `SELECT denomination_id, count(*)::int AS stored FROM vouchers WHERE round_id = $1 GROUP BY denomination_id`,
      [roundId],
    );
    return new Map(rows.map((row) => [row.denomination_id, row.stored]));
  }

  /** Stock slots, claim numbers and committed face value of a round's stored vouchers. */
  async storedRoundClaims(roundId: string): Promise<StoredRoundClaims> {
    const [byDenomination, byResident] = await Promise.all([
      this.vouchers.query<Array<{ denomination_id: string; slots: number[]; unslotted: number; face: string }>>(
        `SELECT denomination_id, array_remove(array_agg(stock_slot), NULL) AS slots,
                count(*) FILTER (WHERE stock_slot IS NULL)::int AS unslotted, sum(face_value)::text AS face
           FROM vouchers WHERE round_id = $1 GROUP BY denomination_id`,
        [roundId],
      ),
      this.vouchers.query<Array<{ resident_id: string; seqs: number[] }>>(
        `SELECT resident_id, array_agg(claim_seq ORDER BY claim_seq) AS seqs
           FROM vouchers WHERE round_id = $1 AND claim_seq IS NOT NULL GROUP BY resident_id`,
        [roundId],
      ),
    ]);
    return {
      slots: new Map(byDenomination.map((row) => [row.denomination_id, row.slots])),
      unslotted: new Map(byDenomination.map((row) => [row.denomination_id, row.unslotted])),
      residents: new Map(byResident.map((row) => [row.resident_id, row.seqs])),
      faceValue: byDenomination.reduce((sum, row) => sum + Number(row.face), 0),
    };
  }

  /** A resident's vouchers, newest first, optionally by effective status at `now`. */
  async listForResident(
    residentId: string,
    query: { status?: VoucherStatus; limit: number; offset: number },
    now: Date,
  ): Promise<Page<Voucher>> {
    const builder = this.vouchers.createQueryBuilder('v').where('v.resident_id = :residentId', { residentId });
    if (query.status) builder.andWhere(STATUS_FILTER[query.status], { now });
    const [items, total] = await builder
      .orderBy('v.claimed_at', 'DESC')
      .addOrderBy('v.id', 'ASC')
      .take(query.limit)
      .skip(query.offset)
      .getManyAndCount();
    return { items, total };
  }

  /** One of the resident's own vouchers; another resident's is NOT_FOUND, as if it did not exist. */
  async getForResident(residentId: string, id: string): Promise<Voucher> {
    const voucher = await this.vouchers.findOneBy({ id, residentId });
    if (!voucher) throw notFound('voucher', id);
    return voucher;
  }
}
