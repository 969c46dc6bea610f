import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AuditService } from '../audit/audit.service';
import { systemAuditContext } from '../audit/audit-context';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UnitOfWork } from '../database/unit-of-work';
import { WEBHOOK_JOBS, WEBHOOKS_QUEUE } from '../queues/queues';
import { sendWebhook, SentAttempt } from './webhook-sender';
import { afterAttempt, DeliveryOutcome, endpointAfterAttempt, webhookSignature } from './webhook.rules';

/** Events fanned out per relay statement. */
const RELAY_BATCH = 500;
/** Lost deliveries re-enqueued per sweep. */
const SWEEP_BATCH = 1000;
/** A due delivery is taken for lost only this long after it fell due (its own job normally runs first). */
const SWEEP_GRACE = '2 seconds';
/** How much longer than the time-out an attempt's lease lasts (recording it, a slow database). */
const LEASE_MARGIN_MS = 30_000;

export interface DeliverJobData {
  deliveryId: string;
}

/** A delivery claimed for one attempt, with what it sends and where. */
interface ClaimedDelivery {
  attempts: number;
  age_ms: number;
  endpoint_id: string;
  url: string;
  secret: string;
  event_id: string;
  type: string;
  at: Date;
  data: unknown;
}

/**
 * Delivery of webhooks, at least once (only where the worker runs). PostgreSQL holds the
 * truth (which deliveries are pending and when each is due); BullMQ carries the work to the
 * workers. A job whose delivery is no longer due, or leased by another worker, does nothing,
 * and the relay's sweep re-enqueues any due delivery whose job was lost, so duplicates and
 * losses in Redis cost a wasted job or a few seconds, never a delivery.
 */
@Injectable()
export class WebhookDelivery {
  private readonly logger = new Logger(WebhookDelivery.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(WEBHOOKS_QUEUE) private readonly queue: Queue,
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
  ) {}

  /**
   * Fans committed outbox events out to one delivery per enabled endpoint subscribed to
   * their type (in one statement; SKIP LOCKED lets overlapping relays share the work), then
   * enqueues deliveries that are due and have no live job. Returns how many were enqueued.
   */
  async relay(): Promise<number> {
    const created = await this.uow.manager.query<Array<{ id: string }>>(
      `WITH batch AS (
         SELECT id, type FROM webhook_events WHERE dispatched_at IS NULL ORDER BY at LIMIT $1 FOR UPDATE SKIP LOCKED),
       dispatched AS (
         UPDATE webhook_events e SET dispatched_at = now() FROM batch WHERE e.id = batch.id)
       INSERT INTO webhook_deliveries (endpoint_id, event_id, next_attempt_at)
       SELECT w.id, batch.id, now() FROM batch JOIN webhook_endpoints w ON w.enabled AND batch.type = ANY (w.events)
       ON CONFLICT DO NOTHING
       RETURNING id`,
      [RELAY_BATCH],
    );
    await this.enqueue(created.map(({ id }) => ({ id, attempts: 0 })));
    const lost = await this.uow.manager.query<Array<{ id: string; attempts: number }>>(
      `SELECT d.id, d.attempts FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.enabled
        WHERE d.status = 'pending' AND d.next_attempt_at <= now() - $1::interval AND (d.lease_until IS NULL OR d.lease_until < now())
        ORDER BY d.next_attempt_at LIMIT $2`,
      [SWEEP_GRACE, SWEEP_BATCH],
    );
    await this.enqueue(lost);
    return created.length + lost.length;
  }

  /**
   * One attempt of a delivery, if it is still pending, due, not leased and its endpoint
   * enabled; records the attempt and schedules the next one. Returns what became of it.
   */
  async deliver(deliveryId: string): Promise<DeliveryOutcome['status'] | 'skipped'> {
    const { timeoutMs, allowPrivate, retry } = this.config.webhooks;
    // TypeORM answers an UPDATE with [rows, affected].
    const [[claimed]] = await this.uow.manager.query<[ClaimedDelivery[], number]>(
      `UPDATE webhook_deliveries d SET lease_until = now() + $2 * interval '1 millisecond'
         FROM webhook_endpoints w, webhook_events e
        WHERE d.id = $1 AND d.status = 'pending' AND d.next_attempt_at <= now()
          AND (d.lease_until IS NULL OR d.lease_until < now())
          AND w.id = d.endpoint_id AND w.enabled AND e.id = d.event_id
       RETURNING d.attempts, (extract(epoch FROM now() - d.created_at) * 1000)::float8 AS age_ms,
                 w.id AS endpoint_id, w.url, w.secret, e.id AS event_id, e.type, e.at, e.data`,
      [deliveryId, timeoutMs + LEASE_MARGIN_MS],
    );
    if (!claimed) return 'skipped';

    const body = JSON.stringify({ id: claimed.event_id, type: claimed.type, at: claimed.at.toISOString(), data: claimed.data });
    const attemptedAt = new Date();
    const timestamp = Math.floor(attemptedAt.getTime() / 1000);
    const sent = await sendWebhook({
      url: claimed.url,
      body,
      timeoutMs,
      allowPrivate,
      headers: {
        'user-agent': 'Juhui-Webhooks/1',
        'webhook-id': claimed.event_id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': webhookSignature(claimed.secret, claimed.event_id, timestamp, body),
      },
    });
    const attempts = claimed.attempts + 1;
    const outcome = afterAttempt(sent, attempts, claimed.age_ms, retry);
    await this.record(deliveryId, claimed.endpoint_id, attempts, attemptedAt, sent, outcome);
    if (outcome.status === 'pending') await this.enqueue([{ id: deliveryId, attempts }], outcome.retryInMs);
    return outcome.status;
  }

  /** The attempt, the delivery's new state and the endpoint's failure run, in one transaction. */
  private async record(
    deliveryId: string,
    endpointId: string,
    attempts: number,
    at: Date,
    sent: SentAttempt,
    outcome: DeliveryOutcome,
  ): Promise<void> {
    await this.uow.run(async (manager) => {
      await manager.query(
        `INSERT INTO webhook_delivery_attempts (delivery_id, attempt, at, status, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)`,
        [deliveryId, attempts, at, sent.status, sent.error, sent.durationMs],
      );
      await manager.query(
        `UPDATE webhook_deliveries
            SET attempts = $2, status = $3::varchar, last_status = $4, last_error = $5, last_attempt_at = $6::timestamptz,
                lease_until = NULL,
                next_attempt_at = CASE WHEN $3::varchar = 'pending' THEN now() + $7 * interval '1 millisecond' END,
                delivered_at = CASE WHEN $3::varchar = 'delivered' THEN $6::timestamptz END
          WHERE id = $1`,
        [deliveryId, attempts, outcome.status, sent.status, sent.error, at, outcome.status === 'pending' ? outcome.retryInMs : 0],
      );
      // The endpoint's row lock orders its concurrent attempts, so the run of failures counts each once.
      const [endpoint] = await manager.query<Array<{ failure_streak: number; enabled: boolean }>>(
        `SELECT failure_streak, enabled FROM webhook_endpoints WHERE id = $1 FOR UPDATE`,
        [endpointId],
      );
      if (!endpoint) return; // deleted meanwhile
      const next = endpointAfterAttempt(sent, endpoint.failure_streak, this.config.webhooks.retry);
      const disable = next.disable && endpoint.enabled;
      await manager.query(
        `UPDATE webhook_endpoints
            SET failure_streak = $2,
                last_success_at = CASE WHEN $3::boolean THEN $4::timestamptz ELSE last_success_at END,
                last_failure_at = CASE WHEN $3::boolean THEN last_failure_at ELSE $4::timestamptz END,
                enabled = enabled AND NOT $5::boolean,
                disabled_reason = CASE WHEN $5::boolean THEN 'failures' ELSE disabled_reason END,
                updated_at = CASE WHEN $5::boolean THEN now() ELSE updated_at END
          WHERE id = $1`,
        [endpointId, next.failureStreak, next.failureStreak === 0, at, disable],
      );
      if (disable) {
        this.logger.warn(`webhook ${endpointId} disabled after ${next.failureStreak} failed attempts in a row`);
        await this.audit.record(manager, systemAuditContext(WEBHOOK_JOBS.deliver), {
          action: 'webhook.disabled',
          subject: { type: 'webhook', id: endpointId },
          before: { enabled: true },
          after: { enabled: false, disabledReason: 'failures', failureStreak: next.failureStreak },
        });
      }
    });
  }

  /**
   * A job per delivery attempt. The job id names the attempt, so enqueuing one that is still
   * waiting does nothing; finished jobs are removed at once, so a sweep can enqueue again an
   * attempt whose job ran without making it.
   */
  private async enqueue(deliveries: ReadonlyArray<{ id: string; attempts: number }>, delay = 0): Promise<void> {
    if (deliveries.length === 0) return;
    await this.queue.addBulk(
      deliveries.map(({ id, attempts }) => ({
        name: WEBHOOK_JOBS.deliver,
        data: { deliveryId: id } satisfies DeliverJobData,
        opts: { jobId: `${id}-${attempts}`, delay, removeOnComplete: true, removeOnFail: true },
      })),
    );
  }
}
