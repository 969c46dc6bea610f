import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signed checkpoints of the audit log and its daily seals (SPEC "Staff and audit").
 *
 * audit_checkpoints: the RFC 6962 Merkle root of the first `size` events, signed with Ed25519
 * (README "Audit log" gives the signed text). One per size: two workers checkpointing the same
 * log at once store it once.
 *
 * The daily seal is an ordinary event (action audit.daily_seal, subject the day); the partial
 * unique index makes a second seal of the same day impossible to store, whoever writes it.
 */
export class AuditCheckpoints1765803000000 implements MigrationInterface {
  name = 'AuditCheckpoints1765803000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_checkpoints (
        size bigint PRIMARY KEY CHECK (size > 0),
        root_hash char(64) NOT NULL,
        at timestamptz NOT NULL,
        key_id varchar(16) NOT NULL,
        signature text NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX audit_events_one_daily_seal ON audit_events (subject_id) WHERE action = 'audit.daily_seal'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit_events_one_daily_seal`);
    await q.query(`DROP TABLE audit_checkpoints`);
  }
}
