import { MigrationInterface, QueryRunner } from 'typeorm';

/** Reversals still waiting for their deduction: settled and not yet deducted, pending or not. */
const UNDEDUCTED = `status IN ('reversed', 'reversal_pending') AND settlement_statement_id IS NOT NULL AND reversal_statement_id IS NULL`;
const UNDEDUCTED_BEFORE = `status = 'reversed' AND settlement_statement_id IS NOT NULL AND reversal_statement_id IS NULL`;

/**
 * Merchant holds (SPEC "Settlement"): a held merchant carries when, why and by whom; the three
 * are set and cleared together.
 *
 * Pending reversals (SPEC "Merchant"): a reversal of a redemption whose statement was already
 * paid stands as `reversal_pending` until its deduction is recovered or finance approves it.
 * It is owed exactly like a reversal, so the partial indexes settlement and `outstanding`
 * read undeducted reversals by now take both statuses.
 */
export class MerchantHoldsPendingReversals1765801000000 implements MigrationInterface {
  name = 'MerchantHoldsPendingReversals1765801000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE merchants
        ADD COLUMN held_at timestamptz,
        ADD COLUMN hold_reason varchar(500),
        ADD COLUMN held_by uuid REFERENCES staff (id),
        ADD CONSTRAINT merchants_hold_complete CHECK ((held_at IS NULL) = (hold_reason IS NULL) AND (held_at IS NULL) = (held_by IS NULL))`);

    await q.query(`ALTER TABLE redemptions DROP CONSTRAINT redemptions_status_check`);
    await q.query(
      `ALTER TABLE redemptions ADD CONSTRAINT redemptions_status_check CHECK (status IN ('active', 'reversed', 'reversal_pending'))`,
    );
    await this.undeductedIndexes(q, UNDEDUCTED);
  }

  async down(q: QueryRunner): Promise<void> {
    // A pending reversal is a reversal whose voucher is still held back: release the vouchers first.
    await q.query(`
      WITH completed AS (
        UPDATE redemptions SET status = 'reversed' WHERE status = 'reversal_pending' RETURNING voucher_id
      )
      UPDATE vouchers v SET status = CASE WHEN v.valid_until > now() THEN 'claimed' ELSE 'expired' END, redeemed_at = NULL, updated_at = now()
        FROM completed c WHERE v.id = c.voucher_id AND v.status = 'redeemed'`);
    await this.undeductedIndexes(q, UNDEDUCTED_BEFORE);
    await q.query(`ALTER TABLE redemptions DROP CONSTRAINT redemptions_status_check`);
    await q.query(`ALTER TABLE redemptions ADD CONSTRAINT redemptions_status_check CHECK (status IN ('active', 'reversed'))`);
    await q.query(
      `ALTER TABLE merchants DROP CONSTRAINT merchants_hold_complete, DROP COLUMN held_at, DROP COLUMN hold_reason, DROP COLUMN held_by`,
    );
  }

  private async undeductedIndexes(q: QueryRunner, predicate: string): Promise<void> {
    await q.query(`DROP INDEX redemptions_reversal_undeducted_idx`);
    await q.query(`DROP INDEX redemptions_undeducted_merchant_idx`);
    await q.query(`CREATE INDEX redemptions_reversal_undeducted_idx ON redemptions (reversed_at) WHERE ${predicate}`);
    await q.query(`CREATE INDEX redemptions_undeducted_merchant_idx ON redemptions (merchant_id, reversed_at) WHERE ${predicate}`);
  }
}
