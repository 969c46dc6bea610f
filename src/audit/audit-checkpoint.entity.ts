import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../database/columns';

/** A signed statement of the audit log's Merkle root over its first `size` events. */
@Entity('audit_checkpoints')
export class AuditCheckpoint {
  @PrimaryColumn({ type: 'bigint', transformer: bigintAsNumber })
  size!: number;

  @Column({ name: 'root_hash', type: 'char', length: 64 })
  rootHash!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ name: 'key_id', type: 'varchar', length: 16 })
  keyId!: string;

  /** Base64 Ed25519 signature over checkpointText(…). */
  @Column({ type: 'text' })
  signature!: string;
}
