import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Theme } from '../common/domain/themes';
import { bigintAsNumber } from '../database/columns';

/** What is stored. `expired` is also derived on read from `validUntil` (see voucher.rules.ts). */
export type StoredVoucherStatus = 'claimed' | 'redeemed' | 'expired';

@Entity('vouchers')
export class Voucher {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Normalised form: upper-case, no separators (see voucher-code.ts). */
  @Column()
  code!: string;

  @Column({ name: 'resident_id' })
  residentId!: string;

  @Column({ name: 'campaign_id', type: 'uuid' })
  campaignId!: string;

  @Column({ name: 'round_id', type: 'uuid' })
  roundId!: string;

  @Column({ name: 'denomination_id', type: 'uuid' })
  denominationId!: string;

  @Column({ type: 'varchar' })
  theme!: Theme;

  @Column({ name: 'face_value', type: 'bigint', transformer: bigintAsNumber })
  faceValue!: number;

  @Column({ name: 'min_spend', type: 'bigint', transformer: bigintAsNumber })
  minSpend!: number;

  @Column({ name: 'valid_from', type: 'timestamptz' })
  validFrom!: Date;

  @Column({ name: 'valid_until', type: 'timestamptz' })
  validUntil!: Date;

  @Column({ type: 'varchar' })
  status!: StoredVoucherStatus;

  @Column({ name: 'claimed_at', type: 'timestamptz' })
  claimedAt!: Date;

  @Column({ name: 'redeemed_at', type: 'timestamptz', nullable: true })
  redeemedAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
