import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../database/columns';

/**
 * `reversal_pending`: reversed after its statement was paid; the voucher stays redeemed until
 * the deduction is recovered from a later statement or finance approves the reversal, and
 * the reversal becomes `reversed` (see PendingReversalsService).
 */
export type RedemptionStatus = 'active' | 'reversed' | 'reversal_pending';

/**
 * A voucher used at a merchant's checkout. At most one `active` redemption per voucher (a
 * partial unique index). Settlement links it to a statement (`settlementStatementId`); a
 * reversal after that is deducted from the merchant's next statement (`reversalStatementId`).
 */
@Entity('redemptions')
export class Redemption {
  /** Chosen by us before the insert, so the answer can be recorded in the same transaction. */
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'voucher_id', type: 'uuid' })
  voucherId!: string;

  @Column({ name: 'merchant_id', type: 'uuid' })
  merchantId!: string;

  @Column({ name: 'campaign_id', type: 'uuid' })
  campaignId!: string;

  @Column({ name: 'round_id', type: 'uuid' })
  roundId!: string;

  @Column({ name: 'denomination_id', type: 'uuid' })
  denominationId!: string;

  /** Normalised voucher code. */
  @Column()
  code!: string;

  @Column({ name: 'face_value', type: 'bigint', transformer: bigintAsNumber })
  faceValue!: number;

  @Column({ name: 'order_amount', type: 'bigint', transformer: bigintAsNumber })
  orderAmount!: number;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  discount!: number;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  payable!: number;

  @Column({ name: 'order_ref', type: 'varchar', nullable: true })
  orderRef!: string | null;

  @Column({ type: 'varchar' })
  status!: RedemptionStatus;

  @Column({ name: 'redeemed_at', type: 'timestamptz' })
  redeemedAt!: Date;

  @Column({ name: 'reversed_at', type: 'timestamptz', nullable: true })
  reversedAt!: Date | null;

  @Column({ name: 'reversal_reason', type: 'varchar', nullable: true })
  reversalReason!: string | null;

  @Column({ name: 'settlement_statement_id', type: 'uuid', nullable: true })
  settlementStatementId!: string | null;

  @Column({ name: 'reversal_statement_id', type: 'uuid', nullable: true })
  reversalStatementId!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
