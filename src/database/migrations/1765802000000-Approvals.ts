import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Approval requests for the four-eyes rule (SPEC "Staff and audit"): a campaign's publication
 * or a budget rise asked for by one operator waits here until another decides it.
 *
 * - At most one pending request per kind and subject (a partial unique index): a second one
 *   would let two colleagues approve different versions of the same change.
 * - A decision is a conditional UPDATE of a pending row, so of two approvers at once exactly
 *   one decides; the checks keep a decided row's decider and time filled in, a pending row's empty.
 */
export class Approvals1765802000000 implements MigrationInterface {
  name = 'Approvals1765802000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE approvals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind varchar(32) NOT NULL CONSTRAINT approvals_kind_known CHECK (kind IN ('campaign.publish', 'campaign.budget_rise')),
        subject_type varchar(32) NOT NULL,
        subject_id uuid NOT NULL,
        change jsonb NOT NULL,
        requested_by_id uuid NOT NULL REFERENCES staff (id),
        requested_by_name varchar(64) NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'pending'
          CONSTRAINT approvals_status_known CHECK (status IN ('pending', 'approved', 'rejected')),
        decided_by_id uuid REFERENCES staff (id),
        decided_by_name varchar(64),
        decided_at timestamptz,
        note text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT approvals_decision_complete CHECK (
          (status = 'pending') = (decided_at IS NULL) AND (decided_at IS NULL) = (decided_by_id IS NULL)
          AND (decided_by_id IS NULL) = (decided_by_name IS NULL)
        )
      )`);
    await q.query(`CREATE UNIQUE INDEX approvals_one_pending_idx ON approvals (kind, subject_type, subject_id) WHERE status = 'pending'`);
    // GET /approvals?status=pending, oldest first.
    await q.query(`CREATE INDEX approvals_status_idx ON approvals (status, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE approvals`);
  }
}
