import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Aggregates for the bureau statistics, maintained by the database itself as vouchers and
 * redemptions are written, so campaign stats read a few thousand rows instead of scanning
 * millions, whichever module writes the rows.
 *
 * - The triggers are statement-level with transition tables: a bulk insert or a settlement
 *   run touching thousands of rows adds one grouped row per key, not one per row.
 * - The aggregate tables are append-only ledgers of deltas (no unique key, no upsert): a
 *   claim never waits on another claim's lock on a shared counter row, so the flash-sale
 *   path keeps its concurrency. Readers sum the rows of a key; StatsCompactor periodically
 *   folds each key's rows into one (a transaction, so readers see before or after, never half).
 * - Times are kept in 15-minute buckets (UTC): every real time zone offset is a multiple of
 *   15 minutes, so "a day in the campaign time zone" is an exact union of buckets whatever
 *   CAMPAIGN_TIMEZONE says, and changing it needs no rebuild.
 * - Figures "stand now": a redemption counts while `status = 'active'`; a reversal adds the
 *   negative of its redemption to the bucket it was redeemed in.
 * - Vouchers' campaign, denomination, face value and claimed_at never change after insert
 *   (only status does), so vouchers need no UPDATE trigger (one would run on every redemption).
 */
export class StatisticsAggregates1764500000000 implements MigrationInterface {
  name = 'StatisticsAggregates1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION stats_bucket(at timestamptz) RETURNS timestamptz
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT date_bin('15 minutes', at, TIMESTAMPTZ '2000-01-01 00:00:00+00') $$`);

    await q.query(`
      CREATE TABLE stats_claims (
        campaign_id uuid NOT NULL,
        round_id uuid NOT NULL,
        denomination_id uuid NOT NULL,
        bucket timestamptz NOT NULL,
        claimed bigint NOT NULL,
        claimed_value bigint NOT NULL
      )`);
    await q.query(`CREATE INDEX stats_claims_campaign_idx ON stats_claims (campaign_id)`);

    // Standing redemptions by who redeemed what (byRound, byDenomination, topMerchants, totals).
    await q.query(`
      CREATE TABLE stats_redemptions (
        campaign_id uuid NOT NULL,
        round_id uuid NOT NULL,
        denomination_id uuid NOT NULL,
        merchant_id uuid NOT NULL,
        redeemed bigint NOT NULL,
        subsidy bigint NOT NULL,
        sales bigint NOT NULL
      )`);
    await q.query(`CREATE INDEX stats_redemptions_campaign_idx ON stats_redemptions (campaign_id)`);

    // Standing redemptions by when they were redeemed (byDay).
    await q.query(`
      CREATE TABLE stats_redemption_buckets (
        campaign_id uuid NOT NULL,
        bucket timestamptz NOT NULL,
        redeemed bigint NOT NULL,
        subsidy bigint NOT NULL,
        sales bigint NOT NULL
      )`);
    await q.query(`CREATE INDEX stats_redemption_buckets_campaign_idx ON stats_redemption_buckets (campaign_id)`);

    // Face value each campaign put into each settlement statement's gross: the weights by
    // which a statement's net is attributed to campaigns (see stats.queries.ts). A redemption
    // reversed before it was ever settled is linked to its statement twice (settlement and
    // reversal) and counts in neither gross nor deductions: it weighs nothing.
    await q.query(`
      CREATE TABLE stats_statement_weights (
        statement_id uuid NOT NULL,
        campaign_id uuid NOT NULL,
        weight bigint NOT NULL
      )`);
    await q.query(`CREATE INDEX stats_statement_weights_statement_idx ON stats_statement_weights (statement_id)`);
    await q.query(`CREATE INDEX stats_statement_weights_campaign_idx ON stats_statement_weights (campaign_id)`);

    // --- vouchers: +1 on insert, -1 on delete --------------------------------------------
    await q.query(`
      CREATE FUNCTION stats_vouchers_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO stats_claims (campaign_id, round_id, denomination_id, bucket, claimed, claimed_value)
        SELECT campaign_id, round_id, denomination_id, stats_bucket(claimed_at), count(*), sum(face_value)
        FROM inserted_rows GROUP BY 1, 2, 3, 4;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION stats_vouchers_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO stats_claims (campaign_id, round_id, denomination_id, bucket, claimed, claimed_value)
        SELECT campaign_id, round_id, denomination_id, stats_bucket(claimed_at), -count(*), -sum(face_value)
        FROM deleted_rows GROUP BY 1, 2, 3, 4;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER stats_vouchers_inserted AFTER INSERT ON vouchers
      REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_vouchers_inserted()`);
    await q.query(`
      CREATE TRIGGER stats_vouchers_deleted AFTER DELETE ON vouchers
      REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_vouchers_deleted()`);

    // --- redemptions ------------------------------------------------------------------------
    // Each trigger describes the change as signed rows (+1 for a row's new contribution, -1
    // for its old one) and one statement adds them to the three ledgers: standing figures
    // count active rows only, statement weights count rows in a statement's gross.
    const changeColumns =
      'campaign_id, round_id, denomination_id, merchant_id, face_value, order_amount, status, redeemed_at, settlement_statement_id, reversal_statement_id';
    const recordChanges = (changes: string): string => `
      WITH changes AS (${changes}),
      by_merchant AS (
        INSERT INTO stats_redemptions (campaign_id, round_id, denomination_id, merchant_id, redeemed, subsidy, sales)
        SELECT campaign_id, round_id, denomination_id, merchant_id, sum(sign), sum(sign * face_value), sum(sign * order_amount)
        FROM changes WHERE status = 'active'
        GROUP BY 1, 2, 3, 4
        HAVING sum(sign) <> 0 OR sum(sign * face_value) <> 0 OR sum(sign * order_amount) <> 0
      ),
      by_bucket AS (
        INSERT INTO stats_redemption_buckets (campaign_id, bucket, redeemed, subsidy, sales)
        SELECT campaign_id, stats_bucket(redeemed_at), sum(sign), sum(sign * face_value), sum(sign * order_amount)
        FROM changes WHERE status = 'active'
        GROUP BY 1, 2
        HAVING sum(sign) <> 0 OR sum(sign * face_value) <> 0 OR sum(sign * order_amount) <> 0
      )
      INSERT INTO stats_statement_weights (statement_id, campaign_id, weight)
      SELECT settlement_statement_id, campaign_id, sum(sign * face_value)
      FROM changes WHERE settlement_statement_id IS NOT NULL AND reversal_statement_id IS DISTINCT FROM settlement_statement_id
      GROUP BY 1, 2
      HAVING sum(sign * face_value) <> 0`;
    // Only rows whose counted fields changed matter (a settlement run touches thousands at once).
    const counted = changeColumns
      .split(', ')
      .map((column) => `o.${column} IS DISTINCT FROM n.${column}`)
      .join(' OR ');
    const triggerFunctions: Record<string, string> = {
      stats_redemptions_inserted: `SELECT 1 AS sign, ${changeColumns} FROM inserted_rows`,
      stats_redemptions_deleted: `SELECT -1 AS sign, ${changeColumns} FROM deleted_rows`,
      stats_redemptions_updated: `
        SELECT -1 AS sign, ${changeColumns.replace(/(\w+)/g, 'o.$1')} FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE ${counted}
        UNION ALL
        SELECT 1 AS sign, ${changeColumns.replace(/(\w+)/g, 'n.$1')} FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE ${counted}`,
    };
    for (const [name, changes] of Object.entries(triggerFunctions)) {
      await q.query(`
        CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          ${recordChanges(changes)};
          RETURN NULL;
        END $$`);
    }
    await q.query(`
      CREATE TRIGGER stats_redemptions_inserted AFTER INSERT ON redemptions
      REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_redemptions_inserted()`);
    await q.query(`
      CREATE TRIGGER stats_redemptions_updated AFTER UPDATE ON redemptions
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_redemptions_updated()`);
    await q.query(`
      CREATE TRIGGER stats_redemptions_deleted AFTER DELETE ON redemptions
      REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_redemptions_deleted()`);

    // TRUNCATE removes every row without row or statement transition tables: empty the ledgers with it.
    await q.query(`
      CREATE FUNCTION stats_vouchers_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM stats_claims;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION stats_redemptions_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM stats_redemptions;
        DELETE FROM stats_redemption_buckets;
        DELETE FROM stats_statement_weights;
        RETURN NULL;
      END $$`);
    await q.query(
      `CREATE TRIGGER stats_vouchers_truncated AFTER TRUNCATE ON vouchers FOR EACH STATEMENT EXECUTE FUNCTION stats_vouchers_truncated()`,
    );
    await q.query(
      `CREATE TRIGGER stats_redemptions_truncated AFTER TRUNCATE ON redemptions FOR EACH STATEMENT EXECUTE FUNCTION stats_redemptions_truncated()`,
    );

    // Statements are read directly (few rows); an index for the paid figure is enough.
    await q.query(`CREATE INDEX settlement_statements_status_idx ON settlement_statements (status)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS settlement_statements_status_idx`);
    for (const trigger of [
      'stats_redemptions_inserted',
      'stats_redemptions_updated',
      'stats_redemptions_deleted',
      'stats_redemptions_truncated',
    ]) {
      await q.query(`DROP TRIGGER IF EXISTS ${trigger} ON redemptions`);
    }
    for (const trigger of ['stats_vouchers_inserted', 'stats_vouchers_deleted', 'stats_vouchers_truncated']) {
      await q.query(`DROP TRIGGER IF EXISTS ${trigger} ON vouchers`);
    }
    for (const fn of [
      'stats_redemptions_inserted()',
      'stats_redemptions_updated()',
      'stats_redemptions_deleted()',
      'stats_vouchers_inserted()',
      'stats_vouchers_deleted()',
      'stats_vouchers_truncated()',
      'stats_redemptions_truncated()',
    ]) {
      await q.query(`DROP FUNCTION IF EXISTS ${fn}`);
    }
    for (const table of ['stats_statement_weights', 'stats_redemption_buckets', 'stats_redemptions', 'stats_claims']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await q.query(`DROP FUNCTION IF EXISTS stats_bucket(timestamptz)`);
  }
}
