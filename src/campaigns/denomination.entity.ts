import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { bigintAsNumber } from '../database/columns';
import { Round } from './round.entity';

@Entity('denominations')
export class Denomination {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'round_id', type: 'uuid' })
  roundId!: string;

  @ManyToOne(() => Round, (round) => round.denominations)
  @JoinColumn({ name: 'round_id' })
  round?: Round;

  @Column({ name: 'campaign_id', type: 'uuid' })
  campaignId!: string;

  /** Order within the round, as given at creation. */
  @Column({ type: 'smallint' })
  position!: number;

  @Column({ name: 'face_value', type: 'bigint', transformer: bigintAsNumber })
  faceValue!: number;

  @Column({ name: 'min_spend', type: 'bigint', transformer: bigintAsNumber })
  minSpend!: number;

  @Column({ type: 'integer' })
  quantity!: number;

  /** Stock given back to the campaign budget when the round was cancelled (all) or closed (what was never claimed). */
  @Column({ name: 'returned_quantity', type: 'integer' })
  returnedQuantity!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
