import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** What may be asked for under the four-eyes rule; each kind's owning module registers how it is applied. */
export const APPROVAL_KINDS = ['campaign.publish', 'campaign.budget_rise'] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** One request for a change that a second staff member must approve before it is made. */
@Entity('approvals')
export class Approval {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar' })
  kind!: ApprovalKind;

  @Column({ name: 'subject_type', type: 'varchar' })
  subjectType!: string;

  @Column({ name: 'subject_id', type: 'uuid' })
  subjectId!: string;

  /** The change asked for, in the owning module's terms (e.g. a budget rise's from and to). */
  @Column({ type: 'jsonb' })
  change!: Record<string, unknown>;

  @Column({ name: 'requested_by_id', type: 'uuid' })
  requestedById!: string;

  @Column({ name: 'requested_by_name', type: 'varchar' })
  requestedByName!: string;

  @Column({ type: 'varchar' })
  status!: ApprovalStatus;

  @Column({ name: 'decided_by_id', type: 'uuid', nullable: true })
  decidedById!: string | null;

  @Column({ name: 'decided_by_name', type: 'varchar', nullable: true })
  decidedByName!: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  note!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
