import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log (SPEC "Staff and audit", guarantee 9): append-only events in one hash chain.
 *
 * audit_chain_head is the chain's one sequencer: a writer takes the next seq with
 * `UPDATE … RETURNING` inside its own transaction, which holds that row's lock until it
 * commits, so two writers can never both extend the same predecessor (a fork) and seq has
 * no gaps (a rolled-back change rolls its seq back with it).
 */
export class AuditLog1765700000000 implements MigrationInterface {
  name = 'AuditLog1765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY,
        seq bigint NOT NULL UNIQUE CHECK (seq > 0),
        at timestamptz NOT NULL,
        actor_type varchar NOT NULL CHECK (actor_type IN ('staff', 'merchant', 'resident', 'system')),
        actor_id text NOT NULL,
        actor_name text NOT NULL,
        action text NOT NULL,
        subject_type text NOT NULL,
        subject_id text NOT NULL,
        before jsonb,
        after jsonb,
        request_id text,
        prev_hash char(64) NOT NULL,
        hash char(64) NOT NULL
      )`);
    await q.query(`CREATE INDEX audit_events_subject_idx ON audit_events (subject_type, subject_id, seq)`);
    await q.query(`CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, seq)`);
    await q.query(`CREATE INDEX audit_events_action_idx ON audit_events (action, seq)`);
    await q.query(`CREATE INDEX audit_events_at_idx ON audit_events (at)`);
    await q.query(`
      CREATE TABLE audit_chain_head (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        seq bigint NOT NULL,
        hash char(64) NOT NULL
      )`);
    await q.query(`INSERT INTO audit_chain_head (seq, hash) VALUES (0, repeat('0', 64))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_chain_head`);
    await q.query(`DROP TABLE audit_events`);
  }
}
