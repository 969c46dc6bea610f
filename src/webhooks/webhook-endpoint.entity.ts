import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { WebhookEventType } from './webhook.rules';

/** Why an endpoint receives nothing: an admin turned it off, or it failed too often in a row. */
export type DisabledReason = 'admin' | 'failures';

/** A receiver of webhook events (table `webhook_endpoints`). */
@Entity('webhook_endpoints')
export class WebhookEndpoint {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column()
  url!: string;

  @Column({ type: 'text', array: true })
  events!: WebhookEventType[];

  /** The signing secret, kept as issued (the server signs with it); never selected unless asked for. */
  @Column({ select: false })
  secret!: string;

  @Column()
  enabled!: boolean;

  @Column({ name: 'disabled_reason', type: 'varchar', nullable: true })
  disabledReason!: DisabledReason | null;

  @Column({ name: 'failure_streak', type: 'int' })
  failureStreak!: number;

  @Column({ name: 'last_success_at', type: 'timestamptz', nullable: true })
  lastSuccessAt!: Date | null;

  @Column({ name: 'last_failure_at', type: 'timestamptz', nullable: true })
  lastFailureAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
