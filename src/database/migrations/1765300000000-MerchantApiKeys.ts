import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several API keys per merchant (one per till), each with a label and revocable on its own.
 * Each merchant's existing key becomes its first key, labelled "registration", and the
 * hash leaves the merchants table.
 */
export class MerchantApiKeys1765300000000 implements MigrationInterface {
  name = 'MerchantApiKeys1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE merchant_api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        merchant_id uuid NOT NULL REFERENCES merchants (id),
        label varchar(100) NOT NULL,
        key_hash char(64) NOT NULL UNIQUE,
        hint varchar(16) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX merchant_api_keys_merchant_idx ON merchant_api_keys (merchant_id, created_at)`);
    await q.query(`
      INSERT INTO merchant_api_keys (merchant_id, label, key_hash, hint, created_at)
      SELECT id, 'registration', api_key_hash, api_key_hint, created_at FROM merchants`);
    await q.query(`ALTER TABLE merchants DROP COLUMN api_key_hash, DROP COLUMN api_key_hint`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE merchants ADD COLUMN api_key_hash char(64), ADD COLUMN api_key_hint varchar(16)`);
    // The oldest key comes back as the merchant's one key; later keys are lost.
    await q.query(`
      UPDATE merchants m SET api_key_hash = k.key_hash, api_key_hint = k.hint
      FROM (SELECT DISTINCT ON (merchant_id) merchant_id, key_hash, hint FROM merchant_api_keys
            ORDER BY merchant_id, created_at, id) k
      WHERE k.merchant_id = m.id`);
    await q.query(`DROP TABLE merchant_api_keys`);
    await q.query(`ALTER TABLE merchants ALTER COLUMN api_key_hash SET NOT NULL, ALTER COLUMN api_key_hint SET NOT NULL`);
    await q.query(`ALTER TABLE merchants ADD CONSTRAINT merchants_api_key_hash_key UNIQUE (api_key_hash)`);
  }
}
