import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Less work per redemption for PostgreSQL (measured with `npm run bench:redemptions`;
 * README "### Redemptions"):
 *
 * - A redemption changes a voucher's status, redeemed_at and updated_at, none of them
 *   indexed, so the update can be HOT (heap-only: no new entries in the voucher's eight
 *   indexes) — except that a column in a partial index's predicate counts as indexed, and
 *   the expiry index was `(valid_until) WHERE status = 'claimed'`. It becomes a plain
 *   `(valid_until, id)` index: the expiry job now walks it from where its last sweep ended
 *   (voucher_expiry_sweeps) instead of reading only claimed vouchers. fillfactor 80 leaves
 *   room on each page for the new versions (pages written before this migration get it as
 *   they are pruned or vacuumed).
 * - A redemption's campaign, round and denomination are copied from its voucher (both
 *   redemption paths do), and the voucher's own foreign keys hold them; the three foreign
 *   keys on redemptions repeated three lookups and row locks per redemption. The voucher
 *   and merchant keys stay.
 * - Two redemption indexes no query used: (campaign_id, redeemed_at) — statistics read the
 *   aggregates — and (redeemed_at) of unsettled rows — settlement looks per merchant. A
 *   (redeemed_at, id) index over all rows takes the latter's place, for the bureau's list of
 *   every merchant's redemptions, newest first, which had none.
 */
export class RedemptionWritePath1764600000000 implements MigrationInterface {
  name = 'RedemptionWritePath1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX vouchers_valid_until_idx ON vouchers (valid_until, id)`);
    await q.query(`DROP INDEX vouchers_claimed_valid_until_idx`);
    await q.query(`ALTER TABLE vouchers SET (fillfactor = 80)`);
    await q.query(`
      CREATE TABLE voucher_expiry_sweeps (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        swept_through timestamptz NOT NULL
      )`);

    await q.query(`
      ALTER TABLE redemptions
        DROP CONSTRAINT redemptions_campaign_id_fkey,
        DROP CONSTRAINT redemptions_round_id_fkey,
        DROP CONSTRAINT redemptions_denomination_id_fkey`);
    await q.query(`DROP INDEX redemptions_campaign_time_idx`);
    await q.query(`DROP INDEX redemptions_unsettled_idx`);
    await q.query(`CREATE INDEX redemptions_time_idx ON redemptions (redeemed_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX redemptions_time_idx`);
    await q.query(`CREATE INDEX redemptions_unsettled_idx ON redemptions (redeemed_at) WHERE settlement_statement_id IS NULL`);
    await q.query(`CREATE INDEX redemptions_campaign_time_idx ON redemptions (campaign_id, redeemed_at)`);
    await q.query(`
      ALTER TABLE redemptions
        ADD CONSTRAINT redemptions_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES campaigns(id),
        ADD CONSTRAINT redemptions_round_id_fkey FOREIGN KEY (round_id) REFERENCES rounds(id),
        ADD CONSTRAINT redemptions_denomination_id_fkey FOREIGN KEY (denomination_id) REFERENCES denominations(id)`);

    await q.query(`DROP TABLE voucher_expiry_sweeps`);
    await q.query(`ALTER TABLE vouchers RESET (fillfactor)`);
    await q.query(`CREATE INDEX vouchers_claimed_valid_until_idx ON vouchers (valid_until) WHERE status = 'claimed'`);
    await q.query(`DROP INDEX vouchers_valid_until_idx`);
  }
}
