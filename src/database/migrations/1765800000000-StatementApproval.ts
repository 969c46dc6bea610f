import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Statement approval and holds (SPEC "Settlement", guarantee 11): `pending → approved → paid`,
 * and `held` from pending or approved until released back to where it was.
 * - `held_from` keeps the status a hold interrupted, so a release restores it.
 * - `approved_by`/`paid_by` are the principal keys of the staff who took each step, for the
 *   four-eyes rule (compared with `settlement_runs.requested_by`, written the same way).
 * - The CHECKs make "paid only once approved" hold in storage too: a paid (or approved)
 *   statement without an approval cannot be written, whatever writes it.
 * - Indexes on the two settlement links, so a statement's lines (lines.csv) are found
 *   without scanning every redemption; partial, so an unsettled redemption costs nothing.
 * Statements paid before approval existed count as approved when they were paid.
 */
export class StatementApproval1765800000000 implements MigrationInterface {
  name = 'StatementApproval1765800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE settlement_statements
        ADD COLUMN held_from varchar(16) CHECK (held_from IN ('pending', 'approved')),
        ADD COLUMN hold_reason varchar(500),
        ADD COLUMN held_at timestamptz,
        ADD COLUMN approved_by varchar(128),
        ADD COLUMN approved_at timestamptz,
        ADD COLUMN paid_by varchar(128)`);
    await q.query(`UPDATE settlement_statements SET approved_at = paid_at WHERE status = 'paid'`);
    await q.query(`ALTER TABLE settlement_statements DROP CONSTRAINT IF EXISTS settlement_statements_status_check`);
    await q.query(`
      ALTER TABLE settlement_statements
        ADD CONSTRAINT settlement_statements_status_check CHECK (status IN ('pending', 'approved', 'held', 'paid')),
        ADD CONSTRAINT settlement_statements_held_from_only_when_held CHECK ((status = 'held') = (held_from IS NOT NULL)),
        ADD CONSTRAINT settlement_statements_approved_before_paid
          CHECK (approved_at IS NOT NULL OR status = 'pending' OR (status = 'held' AND held_from = 'pending')),
        ADD CONSTRAINT settlement_statements_paid_has_bank_reference CHECK (status <> 'paid' OR (bank_reference IS NOT NULL AND paid_at IS NOT NULL))`);
    await q.query(
      `CREATE INDEX redemptions_settlement_statement_idx ON redemptions (settlement_statement_id) WHERE settlement_statement_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX redemptions_reversal_statement_idx ON redemptions (reversal_statement_id) WHERE reversal_statement_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS redemptions_reversal_statement_idx`);
    await q.query(`DROP INDEX IF EXISTS redemptions_settlement_statement_idx`);
    await q.query(`
      ALTER TABLE settlement_statements
        DROP CONSTRAINT IF EXISTS settlement_statements_paid_has_bank_reference,
        DROP CONSTRAINT IF EXISTS settlement_statements_approved_before_paid,
        DROP CONSTRAINT IF EXISTS settlement_statements_held_from_only_when_held,
        DROP CONSTRAINT IF EXISTS settlement_statements_status_check`);
    await q.query(`UPDATE settlement_statements SET status = held_from WHERE status = 'held'`);
    await q.query(`UPDATE settlement_statements SET status = 'pending' WHERE status = 'approved'`);
    await q.query(
      `ALTER TABLE settlement_statements ADD CONSTRAINT settlement_statements_status_check CHECK (status IN ('pending', 'paid'))`,
    );
    await q.query(`
      ALTER TABLE settlement_statements
        DROP COLUMN IF EXISTS paid_by, DROP COLUMN IF EXISTS approved_at, DROP COLUMN IF EXISTS approved_by,
        DROP COLUMN IF EXISTS held_at, DROP COLUMN IF EXISTS hold_reason, DROP COLUMN IF EXISTS held_from`);
  }
}
