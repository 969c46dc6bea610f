import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Settlement bookkeeping on top of the initial schema.
 * - `sequence` numbers each merchant's statements 1, 2, 3…; UNIQUE (merchant_id, sequence)
 *   makes the carry-forward a chain: a statement takes over the carried amount of exactly
 *   one predecessor, so two runs at once can never both consume (or both drop) it.
 * - `carried_in` records the amount taken over, and `voided_count` the redemptions that
 *   were reversed before they were ever settled (linked, but worth nothing).
 * - Partial indexes per merchant so a run finds a merchant's outstanding work without
 *   scanning the merchant's settled history.
 * - At most one scheduled run per cutoff, whatever the number of schedulers that fire.
 */
export class SettlementChain1764400000000 implements MigrationInterface {
  name = 'SettlementChain1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE settlement_statements
        ADD COLUMN sequence integer,
        ADD COLUMN carried_in bigint NOT NULL DEFAULT 0 CHECK (carried_in >= 0),
        ADD COLUMN voided_count integer NOT NULL DEFAULT 0 CHECK (voided_count >= 0)`);
    await q.query(`
      UPDATE settlement_statements s SET sequence = numbered.n
        FROM (SELECT id, row_number() OVER (PARTITION BY merchant_id ORDER BY created_at, id) AS n FROM settlement_statements) numbered
       WHERE numbered.id = s.id`);
    await q.query(`ALTER TABLE settlement_statements ALTER COLUMN sequence SET NOT NULL`);
    await q.query(
      `ALTER TABLE settlement_statements ADD CONSTRAINT settlement_statements_merchant_sequence UNIQUE (merchant_id, sequence)`,
    );
    await q.query(`CREATE INDEX settlement_statements_run_idx ON settlement_statements (run_id, merchant_id)`);
    await q.query(
      `CREATE INDEX redemptions_unsettled_merchant_idx ON redemptions (merchant_id, redeemed_at) WHERE settlement_statement_id IS NULL`,
    );
    await q.query(
      `CREATE INDEX redemptions_undeducted_merchant_idx ON redemptions (merchant_id, reversed_at)
        WHERE status = 'reversed' AND settlement_statement_id IS NOT NULL AND reversal_statement_id IS NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX settlement_runs_one_scheduled_per_cutoff ON settlement_runs (cutoff) WHERE requested_by = 'schedule'`,
    );
    await q.query(`CREATE INDEX settlement_runs_open_idx ON settlement_runs (created_at) WHERE status IN ('queued', 'running')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS settlement_runs_open_idx`);
    await q.query(`DROP INDEX IF EXISTS settlement_runs_one_scheduled_per_cutoff`);
    await q.query(`DROP INDEX IF EXISTS redemptions_undeducted_merchant_idx`);
    await q.query(`DROP INDEX IF EXISTS redemptions_unsettled_merchant_idx`);
    await q.query(`DROP INDEX IF EXISTS settlement_statements_run_idx`);
    await q.query(`ALTER TABLE settlement_statements DROP CONSTRAINT IF EXISTS settlement_statements_merchant_sequence`);
    await q.query(
      `ALTER TABLE settlement_statements DROP COLUMN IF EXISTS voided_count, DROP COLUMN IF EXISTS carried_in, DROP COLUMN IF EXISTS sequence`,
    );
  }
}
