import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A round's life after creation (SPEC "Bureau": PATCH /rounds/:id, cancel, close, voucherValidDays).
 *
 * - `status`: `active` until it is cancelled (before its window opened) or closed (after).
 * - `denominations.returned_quantity`: the stock given back to the campaign budget by a cancel
 *   (all of it) or a close (what was never stored as a voucher). The campaign's `allocated`
 *   is Σ face_value × (quantity − returned_quantity); statistics read `returned` from it.
 * - Validity is either a fixed period (`voucher_valid_from`/`until`) or counted from each
 *   claim (`voucher_valid_days`, 1–366): exactly one of the two is given.
 * - The vouchers trigger refuses a voucher for a round that is no longer active (JH003), and
 *   takes the round row's KEY SHARE lock to read its status. A close locks the round row
 *   FOR UPDATE, which waits for every voucher insert in flight and holds back every later one
 *   until the close has committed (they then read `closed` and fail): so the vouchers the
 *   close counts are exactly the vouchers the round will ever have, whatever Redis admitted.
 */
export class RoundLifecycle1765804000000 implements MigrationInterface {
  name = 'RoundLifecycle1765804000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE rounds
        ADD COLUMN status varchar(16) NOT NULL DEFAULT 'active' CONSTRAINT rounds_status_known CHECK (status IN ('active', 'cancelled', 'closed')),
        ADD COLUMN ended_at timestamptz,
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN voucher_valid_days smallint CONSTRAINT rounds_valid_days_range CHECK (voucher_valid_days BETWEEN 1 AND 366),
        ALTER COLUMN voucher_valid_from DROP NOT NULL,
        ALTER COLUMN voucher_valid_until DROP NOT NULL,
        ADD CONSTRAINT rounds_one_validity CHECK (
          (voucher_valid_days IS NULL) = (voucher_valid_from IS NOT NULL AND voucher_valid_until IS NOT NULL)
          AND (voucher_valid_from IS NULL) = (voucher_valid_until IS NULL)
        ),
        ADD CONSTRAINT rounds_ended_when_not_active CHECK ((status = 'active') = (ended_at IS NULL))`);
    await q.query(`
      ALTER TABLE denominations
        ADD COLUMN returned_quantity integer NOT NULL DEFAULT 0
          CONSTRAINT denominations_returned_within_quantity CHECK (returned_quantity BETWEEN 0 AND quantity)`);
    await q.query(`
      CREATE OR REPLACE FUNCTION vouchers_claim_bounds() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        round_status varchar;
      BEGIN
        IF TG_OP = 'INSERT' THEN
          SELECT status INTO round_status FROM rounds WHERE id = NEW.round_id FOR KEY SHARE;
          IF round_status IS DISTINCT FROM 'active' THEN
            RAISE EXCEPTION 'round % is no longer active', NEW.round_id USING ERRCODE = 'JH003';
          END IF;
        END IF;
        IF NEW.stock_slot IS NOT NULL
           AND NEW.stock_slot > (SELECT quantity FROM denominations WHERE id = NEW.denomination_id) THEN
          RAISE EXCEPTION 'stock slot % exceeds the quantity of denomination %', NEW.stock_slot, NEW.denomination_id
            USING ERRCODE = 'JH001';
        END IF;
        IF NEW.claim_seq IS NOT NULL
           AND NEW.claim_seq > (SELECT per_resident_limit FROM rounds WHERE id = NEW.round_id) THEN
          RAISE EXCEPTION 'claim % exceeds the per-resident limit of round %', NEW.claim_seq, NEW.round_id
            USING ERRCODE = 'JH002';
        END IF;
        RETURN NEW;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION vouchers_claim_bounds() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.stock_slot IS NOT NULL
           AND NEW.stock_slot > (SELECT quantity FROM denominations WHERE id = NEW.denomination_id) THEN
          RAISE EXCEPTION 'stock slot % exceeds the quantity of denomination %', NEW.stock_slot, NEW.denomination_id
            USING ERRCODE = 'JH001';
        END IF;
        IF NEW.claim_seq IS NOT NULL
           AND NEW.claim_seq > (SELECT per_resident_limit FROM rounds WHERE id = NEW.round_id) THEN
          RAISE EXCEPTION 'claim % exceeds the per-resident limit of round %', NEW.claim_seq, NEW.round_id
            USING ERRCODE = 'JH002';
        END IF;
        RETURN NEW;
      END $$`);
    // Refuses (NOT NULL) while rounds with validity counted from the claim exist: their vouchers have no fixed period to fall back to.
    await q.query(`ALTER TABLE denominations DROP COLUMN IF EXISTS returned_quantity`);
    await q.query(`
      ALTER TABLE rounds
        DROP CONSTRAINT IF EXISTS rounds_ended_when_not_active,
        DROP CONSTRAINT IF EXISTS rounds_one_validity,
        DROP COLUMN IF EXISTS voucher_valid_days,
        DROP COLUMN IF EXISTS updated_at,
        DROP COLUMN IF EXISTS ended_at,
        DROP COLUMN IF EXISTS status,
        ALTER COLUMN voucher_valid_from SET NOT NULL,
        ALTER COLUMN voucher_valid_until SET NOT NULL`);
  }
}
