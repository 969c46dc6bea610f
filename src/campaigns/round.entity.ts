import { Column, CreateDateColumn, Entity, OneToMany, PrimaryGeneratedColumn } from 'typeorm';
import { Denomination } from './denomination.entity';

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

  @Column({ name: 'voucher_valid_from', type: 'timestamptz' })
  voucherValidFrom!: Date;

  @Column({ name: 'voucher_valid_until', type: 'timestamptz' })
  voucherValidUntil!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @OneToMany(() => Denomination, (denomination) => denomination.round)
  denominations!: Denomination[];
}
