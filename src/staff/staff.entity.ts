import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { StaffRole } from '../auth/principal';

export type StaffStatus = 'active' | 'disabled';

/** A bureau staff member (table `staff`, once `bureau_users`). */
@Entity('staff')
export class Staff {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column()
  username!: string;

  @Column({ name: 'display_name' })
  displayName!: string;

  @Column({ type: 'text', array: true })
  roles!: StaffRole[];

  @Column({ type: 'varchar' })
  status!: StaffStatus;

  @Column({ name: 'password_hash', select: false })
  passwordHash!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
