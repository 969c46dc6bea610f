import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/**
 * A request with a live lease longer than this is taken to be dead (its process crashed
 * or lost the database) and its key may be claimed again. Well above the 30 s statement
 * timeout, so a request that is merely slow is never overtaken; and even then the lease
 * token check at completion rolls the slow one back, so the work is never done twice.
 */
export const IN_PROGRESS_LEASE_SECONDS = 60;
/** Keys are kept at least this long (Stripe: 24 hours), then purged by the maintenance job. */
export const RETENTION_HOURS = 24;
const PURGE_BATCH = 5000;

export interface StoredKey {
  id: string;
  fingerprint: string;
  state: 'in_progress' | 'completed';
  stale: boolean;
  responseStatus: number | null;
  responseBody: unknown;
}

export interface Lease {
  id: string;
  token: string;
}

/** Every query on idempotency_keys. Times are the database's clock, shared by every process. */
@Injectable()
export class IdempotencyStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Claims a new key atomically; undefined when the (merchant, key) pair already exists.
   * The claim commits without waiting for its WAL flush (synchronous_commit off for this
   * statement only): it is a lock, not a fact. If the server crashed before the flush the
   * claim is gone, which is harmless, because the work has not committed either; and the
   * work's own synchronous commit flushes the WAL up to and including the claim.
   */
  async claim(merchantId: string, key: string, fingerprint: string, token: string): Promise<Lease | undefined> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)),
       claimed AS (
         INSERT INTO idempotency_keys (merchant_id, key, fingerprint, state, lock_token, locked_at)
         VALUES ($1, $2, $3, 'in_progress', $4, now())
         ON CONFLICT (merchant_id, key) DO NOTHING
         RETURNING id)
       SELECT claimed.id FROM claimed, relaxed`,
      [merchantId, key, fingerprint, token],
    );
    return rows[0] ? { id: rows[0].id, token } : undefined;
  }

  async find(merchantId: string, key: string): Promise<StoredKey | undefined> {
    const rows: Array<Omit<StoredKey, 'responseStatus' | 'responseBody'> & { response_status: number | null; response_body: unknown }> =
      await this.dataSource.query(
        `SELECT id, fingerprint, state, response_status, response_body,
                (state = 'in_progress' AND locked_at <= now() - make_interval(secs => $3)) AS stale
           FROM idempotency_keys WHERE merchant_id = $1 AND key = $2`,
        [merchantId, key, IN_PROGRESS_LEASE_SECONDS],
      );
    const row = rows[0];
    return (
      row && {
        id: row.id,
        fingerprint: row.fingerprint,
        state: row.state,
        stale: row.stale,
        responseStatus: row.response_status,
        responseBody: row.response_body,
      }
    );
  }

  /** Takes over a key whose holder's lease ran out; undefined when someone else got there first. */
  async takeOver(id: string, token: string): Promise<Lease | undefined> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `WITH taken AS (
         UPDATE idempotency_keys SET lock_token = $2, locked_at = now()
          WHERE id = $1 AND state = 'in_progress' AND locked_at <= now() - make_interval(secs => $3)
          RETURNING id)
       SELECT id FROM taken`,
      [id, token, IN_PROGRESS_LEASE_SECONDS],
    );
    return rows[0] ? { id: rows[0].id, token } : undefined;
  }

  /**
   * Stores the response and ends the lease, inside the caller's transaction when given one
   * (so the work and its recorded answer commit together). False when the lease was lost.
   */
  async complete(lease: Lease, status: number, body: unknown, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `WITH done AS (
         UPDATE idempotency_keys
            SET state = 'completed', response_status = $3, response_body = $4::json, completed_at = now(), lock_token = NULL
          WHERE id = $1 AND lock_token = $2 AND state = 'in_progress'
          RETURNING id)
       SELECT id FROM done`,
      [lease.id, lease.token, status, JSON.stringify(body)],
    );
    return rows.length === 1;
  }

  /** Forgets a claim whose request failed transiently, so that a retry runs afresh. */
  async release(lease: Lease): Promise<void> {
    await this.dataSource.query(`DELETE FROM idempotency_keys WHERE id = $1 AND lock_token = $2 AND state = 'in_progress'`, [
      lease.id,
      lease.token,
    ]);
  }

  /** Deletes keys past retention in batches; returns how many went. */
  async purgeExpired(): Promise<number> {
    let purged = 0;
    for (;;) {
      const [{ count }]: [{ count: number }] = await this.dataSource.query(
        `WITH gone AS (
           DELETE FROM idempotency_keys WHERE id IN (
             SELECT id FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1) LIMIT $2)
           RETURNING 1)
         SELECT count(*)::int AS count FROM gone`,
        [RETENTION_HOURS, PURGE_BATCH],
      );
      purged += count;
      if (count < PURGE_BATCH) return purged;
    }
  }
}
