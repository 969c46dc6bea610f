import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys for the merchants' checkout writes (POST /redemptions, POST
 * /redemptions/:id/reverse). One row per (merchant, key): claimed atomically by an
 * INSERT … ON CONFLICT DO NOTHING, completed with the stored response in the same
 * transaction as the work itself, purged by the maintenance job once past retention.
 * merchant_id is only the key's namespace (no foreign key): a request from a merchant
 * JWT naming no merchant still gets, and can replay, its refusal.
 */
export class IdempotencyKeys1764300000000 implements MigrationInterface {
  name = 'IdempotencyKeys1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        merchant_id uuid NOT NULL,
        key varchar(255) NOT NULL,
        fingerprint char(64) NOT NULL,
        state varchar(16) NOT NULL CHECK (state IN ('in_progress','completed')),
        lock_token uuid,
        locked_at timestamptz,
        response_status smallint,
        response_body json,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        CONSTRAINT idempotency_keys_merchant_key UNIQUE (merchant_id, key),
        CONSTRAINT idempotency_keys_completed_has_response CHECK (state = 'in_progress' OR (response_status IS NOT NULL AND response_body IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS idempotency_keys`);
  }
}
