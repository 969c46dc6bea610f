import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintAsNumber } from '../database/columns';

export type SettlementRunStatus = 'queued' | 'running' | 'completed' | 'failed';

/** Who asked for a run started by the daily schedule (one such run per cutoff, by index). */
export const SCHEDULED_REQUESTER = 'schedule';

/** A settlement run. This row, not the queue, is the truth about the run. */
@Entity('settlement_runs')
export class SettlementRun {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'timestamptz' })
  cutoff!: Date;

  @Column({ type: 'varchar' })
  status!: SettlementRunStatus;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  /** Totals, filled in when the run completes. */
  @Column({ type: 'integer' })
  statements!: number;

  @Column({ type: 'integer' })
  redemptions!: number;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  net!: number;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ name: 'requested_by', type: 'varchar', nullable: true })
  requestedBy!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
