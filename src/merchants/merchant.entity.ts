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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
