import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Theme } from '../common/domain/themes';
import { bigintAsNumber } from '../database/columns';

export type CampaignStatus = 'draft' | 'active' | 'closed';

@Entity('campaigns')
export class Campaign {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column()
  name!: string;

  @Column({ type: 'varchar' })
  theme!: Theme;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  /** Fen. */
  @Column({ type: 'bigint', transformer: bigintAsNumber })
  budget!: number;

  /** Σ faceValue × quantity over the campaign's rounds, in fen; never above the budget (a constraint). */
  @Column({ type: 'bigint', transformer: bigintAsNumber })
  allocated!: number;

  @Column({ name: 'starts_at', type: 'timestamptz' })
  startsAt!: Date;

  @Column({ name: 'ends_at', type: 'timestamptz' })
  endsAt!: Date;

  @Column({ type: 'varchar' })
  status!: CampaignStatus;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
