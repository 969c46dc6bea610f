import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Theme } from '../common/domain/themes';

export type MerchantStatus = 'active' | 'suspended';

@Entity('merchants')
export class Merchant {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column()
  name!: string;

  @Column('text', { array: true })
  themes!: Theme[];

  @Column({ type: 'varchar' })
  status!: MerchantStatus;

  @Column({ name: 'bank_name' })
  bankName!: string;

  @Column({ name: 'account_name' })
  accountName!: string;

  /** Full number, needed for the bank payout file; masked in every response and log. */
  @Column({ name: 'account_number' })
  accountNumber!: string;

  /** Set while finance holds the merchant: its settlement waits (SPEC "Settlement"); with hold_reason and held_by. */
  @Column({ name: 'held_at', type: 'timestamptz', nullable: true })
  heldAt!: Date | null;

  @Column({ name: 'hold_reason', type: 'varchar', nullable: true })
  holdReason!: string | null;

  /** The staff member who placed the hold. */
  @Column({ name: 'held_by', type: 'uuid', nullable: true })
  heldBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
