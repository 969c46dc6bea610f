import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintAsNumber } from '../database/columns';
import type { HoldableStatus, StatementStatus } from './settlement.rules';

/**
 * One merchant's statement in one run. Written by the run in the same transaction that
 * links its redemptions (settlement.queries.ts); afterwards only its state changes (status,
 * hold, approval, payment), by SettlementStatementsService.
 */
@Entity('settlement_statements')
export class SettlementStatement {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @Column({ name: 'merchant_id', type: 'uuid' })
  merchantId!: string;

  /** 1, 2, 3… per merchant: the carry-forward chain (see the SettlementChain migration). */
  @Column({ type: 'integer' })
  sequence!: number;

  /** Redemptions settled into `gross`. */
  @Column({ name: 'redemption_count', type: 'integer' })
  redemptionCount!: number;

  /** Reversals of earlier-settled redemptions deducted here. */
  @Column({ name: 'reversal_count', type: 'integer' })
  reversalCount!: number;

  /** Redemptions reversed before they were ever settled: linked here, counted nowhere. */
  @Column({ name: 'voided_count', type: 'integer' })
  voidedCount!: number;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  gross!: number;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  deductions!: number;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  net!: number;

  /** Deductions taken over from the merchant's previous statement. */
  @Column({ name: 'carried_in', type: 'bigint', transformer: bigintAsNumber })
  carriedIn!: number;

  /** Deductions beyond this statement's gross, taken over by the merchant's next statement. */
  @Column({ name: 'carried_forward', type: 'bigint', transformer: bigintAsNumber })
  carriedForward!: number;

  @Column({ type: 'varchar' })
  status!: StatementStatus;

  /** While held: the status the hold interrupted, which a release restores. */
  @Column({ name: 'held_from', type: 'varchar', nullable: true })
  heldFrom!: HoldableStatus | null;

  @Column({ name: 'hold_reason', type: 'varchar', nullable: true })
  holdReason!: string | null;

  @Column({ name: 'held_at', type: 'timestamptz', nullable: true })
  heldAt!: Date | null;

  /** principalKey of the staff member who approved it (the four-eyes rule compares these). */
  @Column({ name: 'approved_by', type: 'varchar', nullable: true })
  approvedBy!: string | null;

  @Column({ name: 'approved_at', type: 'timestamptz', nullable: true })
  approvedAt!: Date | null;

  @Column({ name: 'paid_by', type: 'varchar', nullable: true })
  paidBy!: string | null;

  @Column({ name: 'bank_reference', type: 'varchar', nullable: true })
  bankReference!: string | null;

  @Column({ name: 'paid_at', type: 'timestamptz', nullable: true })
  paidAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
