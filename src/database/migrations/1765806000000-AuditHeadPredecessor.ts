import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The chain head also keeps its event's predecessor, so that one UPDATE can take the next seq,
 * compute the new event's hash in PostgreSQL from the old head hash, and hand both hashes to the
 * INSERT of the event in the same statement (AuditService.record: one round trip, not two).
 * In an UPDATE every SET expression reads the row as it was, so `prev_hash = hash` keeps the old
 * head hash while `hash = …` replaces it.
 */
export class AuditHeadPredecessor1765806000000 implements MigrationInterface {
  name = 'AuditHeadPredecessor1765806000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_chain_head ADD COLUMN prev_hash char(64)`);
    await q.query(`
      UPDATE audit_chain_head
         SET prev_hash = coalesce((SELECT prev_hash FROM audit_events ORDER BY seq DESC LIMIT 1), repeat('0', 64))`);
    await q.query(`ALTER TABLE audit_chain_head ALTER COLUMN prev_hash SET NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_chain_head DROP COLUMN prev_hash`);
  }
}
