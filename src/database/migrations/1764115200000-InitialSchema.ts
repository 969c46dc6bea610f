import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The platform's core tables. Money is bigint fen, times are timestamptz, and the
 * invariants that must never break (single active redemption per voucher, one statement
 * per merchant per run, a campaign never allocating past its budget) are constraints,
 * so that no code path can violate them.
 */
export class InitialSchema1764115200000 implements MigrationInterface {
  name = 'InitialSchema1764115200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bureau_users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username varchar(64) NOT NULL UNIQUE,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE campaigns (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL,
        theme varchar(32) NOT NULL CHECK (theme IN ('autos','appliances','catering','farm-goods','new-year-goods')),
        description text,
        budget bigint NOT NULL CHECK (budget > 0),
        allocated bigint NOT NULL DEFAULT 0,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','active','closed')),
        published_at timestamptz,
        closed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT campaigns_dates_ordered CHECK (ends_at > starts_at),
        CONSTRAINT campaigns_within_budget CHECK (allocated >= 0 AND allocated <= budget)
      )`);
    await q.query(`CREATE INDEX campaigns_status_theme_idx ON campaigns (status, theme, created_at)`);

    await q.query(`
      CREATE TABLE rounds (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        name varchar(200) NOT NULL,
        claim_opens_at timestamptz NOT NULL,
        claim_closes_at timestamptz NOT NULL,
        per_resident_limit integer NOT NULL CHECK (per_resident_limit >= 1),
        voucher_valid_from timestamptz NOT NULL,
        voucher_valid_until timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT rounds_claim_window_ordered CHECK (claim_closes_at > claim_opens_at),
        CONSTRAINT rounds_validity_ordered CHECK (voucher_valid_until > voucher_valid_from)
      )`);
    await q.query(`CREATE INDEX rounds_campaign_idx ON rounds (campaign_id, claim_opens_at)`);

    await q.query(`
      CREATE TABLE denominations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        round_id uuid NOT NULL REFERENCES rounds(id),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        position smallint NOT NULL,
        face_value bigint NOT NULL CHECK (face_value > 0),
        min_spend bigint NOT NULL CHECK (min_spend >= face_value),
        quantity integer NOT NULL CHECK (quantity > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (round_id, position)
      )`);
    await q.query(`CREATE INDEX denominations_campaign_idx ON denominations (campaign_id)`);

    await q.query(`
      CREATE TABLE merchants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL,
        themes text[] NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'active' CHECK (status IN ('active','suspended')),
        bank_name varchar(100) NOT NULL,
        account_name varchar(100) NOT NULL,
        account_number varchar(40) NOT NULL,
        api_key_hash char(64) NOT NULL UNIQUE,
        api_key_hint varchar(16) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX merchants_created_idx ON merchants (created_at, id)`);

    await q.query(`
      CREATE TABLE vouchers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code varchar(32) NOT NULL UNIQUE,
        resident_id varchar(128) NOT NULL,
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        round_id uuid NOT NULL REFERENCES rounds(id),
        denomination_id uuid NOT NULL REFERENCES denominations(id),
        theme varchar(32) NOT NULL,
        face_value bigint NOT NULL CHECK (face_value > 0),
        min_spend bigint NOT NULL,
        valid_from timestamptz NOT NULL,
        valid_until timestamptz NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'claimed' CHECK (status IN ('claimed','redeemed','expired')),
        claimed_at timestamptz NOT NULL DEFAULT now(),
        redeemed_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX vouchers_resident_idx ON vouchers (resident_id, claimed_at DESC)`);
    await q.query(`CREATE INDEX vouchers_round_resident_idx ON vouchers (round_id, resident_id)`);
    await q.query(`CREATE INDEX vouchers_denomination_idx ON vouchers (denomination_id)`);
    await q.query(`CREATE INDEX vouchers_campaign_claimed_idx ON vouchers (campaign_id, claimed_at)`);
    await q.query(`CREATE INDEX vouchers_claimed_valid_until_idx ON vouchers (valid_until) WHERE status = 'claimed'`);

    await q.query(`
      CREATE TABLE settlement_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        cutoff timestamptz NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','running','completed','failed')),
        error text,
        statements integer NOT NULL DEFAULT 0,
        redemptions integer NOT NULL DEFAULT 0,
        net bigint NOT NULL DEFAULT 0,
        attempts integer NOT NULL DEFAULT 0,
        requested_by varchar(128),
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX settlement_runs_created_idx ON settlement_runs (created_at DESC)`);

    await q.query(`
      CREATE TABLE settlement_statements (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        run_id uuid NOT NULL REFERENCES settlement_runs(id),
        merchant_id uuid NOT NULL REFERENCES merchants(id),
        redemption_count integer NOT NULL,
        reversal_count integer NOT NULL DEFAULT 0,
        gross bigint NOT NULL CHECK (gross >= 0),
        deductions bigint NOT NULL CHECK (deductions >= 0),
        net bigint NOT NULL CHECK (net >= 0),
        carried_forward bigint NOT NULL DEFAULT 0 CHECK (carried_forward >= 0),
        status varchar(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','paid')),
        bank_reference varchar(128),
        paid_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT statements_net_is_gross_less_deductions CHECK (net = gross - deductions),
        UNIQUE (run_id, merchant_id)
      )`);
    await q.query(`CREATE INDEX settlement_statements_merchant_idx ON settlement_statements (merchant_id, created_at)`);

    await q.query(`
      CREATE TABLE redemptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        voucher_id uuid NOT NULL REFERENCES vouchers(id),
        merchant_id uuid NOT NULL REFERENCES merchants(id),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        round_id uuid NOT NULL REFERENCES rounds(id),
        denomination_id uuid NOT NULL REFERENCES denominations(id),
        code varchar(32) NOT NULL,
        face_value bigint NOT NULL CHECK (face_value > 0),
        order_amount bigint NOT NULL CHECK (order_amount >= 0),
        discount bigint NOT NULL CHECK (discount >= 0),
        payable bigint NOT NULL CHECK (payable >= 0),
        order_ref varchar(128),
        status varchar(16) NOT NULL DEFAULT 'active' CHECK (status IN ('active','reversed')),
        redeemed_at timestamptz NOT NULL DEFAULT now(),
        reversed_at timestamptz,
        reversal_reason varchar(500),
        settlement_statement_id uuid REFERENCES settlement_statements(id),
        reversal_statement_id uuid REFERENCES settlement_statements(id),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Guarantee 4 at the storage layer: a voucher has at most one standing redemption.
    await q.query(`CREATE UNIQUE INDEX redemptions_one_active_per_voucher ON redemptions (voucher_id) WHERE status = 'active'`);
    await q.query(`CREATE INDEX redemptions_merchant_time_idx ON redemptions (merchant_id, redeemed_at)`);
    await q.query(`CREATE INDEX redemptions_campaign_time_idx ON redemptions (campaign_id, redeemed_at)`);
    await q.query(`CREATE INDEX redemptions_unsettled_idx ON redemptions (redeemed_at) WHERE settlement_statement_id IS NULL`);
    await q.query(
      `CREATE INDEX redemptions_reversal_undeducted_idx ON redemptions (reversed_at) WHERE status = 'reversed' AND settlement_statement_id IS NOT NULL AND reversal_statement_id IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'redemptions',
      'settlement_statements',
      'settlement_runs',
      'vouchers',
      'merchants',
      'denominations',
      'rounds',
      'campaigns',
      'bureau_users',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
