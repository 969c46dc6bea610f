import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signed webhooks (SPEC "Webhooks"): endpoints, the transactional outbox of events, and one
 * delivery per event and subscribed endpoint with each of its attempts.
 *
 * - `webhook_events` is written in the same transaction as the change it reports; a relay
 *   fans each undispatched row out to deliveries. `voucher.expiring` is sent once per voucher
 *   however many reminder jobs run at once: a unique index on (voucher, type) for that type,
 *   and the reminder inserts with ON CONFLICT DO NOTHING.
 * - A delivery is attempted by whoever sets its lease (a conditional UPDATE), so two workers
 *   never make the same attempt at once; an expired lease means the worker died mid-attempt.
 * - An endpoint's secret is stored as issued: the server needs it to sign.
 */
export class Webhooks1765805000000 implements MigrationInterface {
  name = 'Webhooks1765805000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url varchar(2048) NOT NULL,
        events text[] NOT NULL CONSTRAINT webhook_endpoints_events_given CHECK (cardinality(events) > 0),
        secret varchar(64) NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason varchar(16) CONSTRAINT webhook_endpoints_reason_known CHECK (disabled_reason IN ('admin', 'failures')),
        failure_streak int NOT NULL DEFAULT 0,
        last_success_at timestamptz,
        last_failure_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webhook_endpoints_reason_iff_disabled CHECK (enabled = (disabled_reason IS NULL))
      )`);
    await q.query(`
      CREATE TABLE webhook_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        type varchar(32) NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        data jsonb NOT NULL,
        voucher_id uuid,
        dispatched_at timestamptz
      )`);
    await q.query(
      `CREATE UNIQUE INDEX webhook_events_expiring_once_idx ON webhook_events (voucher_id, type) WHERE type = 'voucher.expiring'`,
    );
    // The relay's work list: small, as rows leave it within a second.
    await q.query(`CREATE INDEX webhook_events_undispatched_idx ON webhook_events (at) WHERE dispatched_at IS NULL`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_id uuid NOT NULL REFERENCES webhook_events (id),
        status varchar(16) NOT NULL DEFAULT 'pending'
          CONSTRAINT webhook_deliveries_status_known CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts int NOT NULL DEFAULT 0,
        last_status int,
        last_error varchar(500),
        next_attempt_at timestamptz,
        lease_until timestamptz,
        last_attempt_at timestamptz,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webhook_deliveries_once UNIQUE (event_id, endpoint_id),
        CONSTRAINT webhook_deliveries_next_iff_pending CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC, id)`);
    await q.query(`
      CREATE TABLE webhook_delivery_attempts (
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        attempt int NOT NULL,
        at timestamptz NOT NULL,
        status int,
        error varchar(500),
        duration_ms int NOT NULL,
        PRIMARY KEY (delivery_id, attempt)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_delivery_attempts`);
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhook_events`);
    await q.query(`DROP TABLE webhook_endpoints`);
  }
}
