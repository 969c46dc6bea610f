import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Flash claims keep their admission state in Redis, but guarantees 1 and 2 must not depend
 * on it. Every claimed voucher takes a numbered stock slot of its denomination (1…quantity)
 * and a numbered claim of its resident in the round (1…perResidentLimit). Uniqueness of
 * both, and the trigger bounding them, make an oversold denomination or a resident past the
 * limit impossible to store, whatever Redis says (for instance right after it lost data).
 * Both columns are nullable so vouchers written by other paths (tests, imports) still fit.
 */
export class ClaimSlots1764200000000 implements MigrationInterface {
  name = 'ClaimSlots1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE vouchers ADD COLUMN stock_slot integer CHECK (stock_slot >= 1)`);
    await q.query(`ALTER TABLE vouchers ADD COLUMN claim_seq integer CHECK (claim_seq >= 1)`);
    await q.query(`CREATE UNIQUE INDEX vouchers_one_per_stock_slot ON vouchers (denomination_id, stock_slot)`);
    await q.query(`CREATE UNIQUE INDEX vouchers_one_per_claim_seq ON vouchers (round_id, resident_id, claim_seq)`);
    // SQLSTATEs JH001/JH002 let the claim engine tell these refusals from any other failure.
    await q.query(`
      CREATE FUNCTION vouchers_claim_bounds() RETURNS trigger LANGUAGE plpgsql AS $$
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
    await q.query(`
      CREATE TRIGGER vouchers_claim_bounds BEFORE INSERT OR UPDATE OF stock_slot, claim_seq ON vouchers
      FOR EACH ROW EXECUTE FUNCTION vouchers_claim_bounds()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS vouchers_claim_bounds ON vouchers`);
    await q.query(`DROP FUNCTION IF EXISTS vouchers_claim_bounds()`);
    await q.query(`DROP INDEX IF EXISTS vouchers_one_per_claim_seq`);
    await q.query(`DROP INDEX IF EXISTS vouchers_one_per_stock_slot`);
    await q.query(`ALTER TABLE vouchers DROP COLUMN IF EXISTS claim_seq`);
    await q.query(`ALTER TABLE vouchers DROP COLUMN IF EXISTS stock_slot`);
  }
}
