import { Column, CreateDateColumn, Entity, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Denomination } from './denomination.entity';

/** `active` until cancelled (before its window opened) or closed (after): see migration RoundLifecycle. */
export type RoundStatus = 'active' | 'cancelled' | 'closed';

@Entity('rounds')
export class Round {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'campaign_id', type: 'uuid' })
  campaignId!: string;

  @Column()
  name!: string;

  @Column({ name: 'claim_opens_at', type: 'timestamptz' })
  claimOpensAt!: Date;

  @Column({ name: 'claim_closes_at', type: 'timestamptz' })
  claimClosesAt!: Date;

  @Column({ name: 'per_resident_limit', type: 'integer' })
  perResidentLimit!: number;

  /** A fixed validity period for every voucher of the round, or null when `voucherValidDays` counts it from each claim. */
  @Column({ name: 'voucher_valid_from', type: 'timestamptz', nullable: true })
  voucherValidFrom!: Date | null;

  @Column({ name: 'voucher_valid_until', type: 'timestamptz', nullable: true })
  voucherValidUntil!: Date | null;

  /** Each voucher valid from its claim to the end of the Nth day after it (campaign time zone); null with a fixed period. */
  @Column({ name: 'voucher_valid_days', type: 'smallint', nullable: true })
  voucherValidDays!: number | null;

  @Column({ type: 'varchar' })
  status!: RoundStatus;

  /** When it was cancelled or closed. */
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @OneToMany(() => Denomination, (denomination) => denomination.round)
  denominations!: Denomination[];
}
