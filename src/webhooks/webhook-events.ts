import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { WEBHOOK_EVENT_TYPES, WebhookEventType } from './webhook.rules';

/** The type as a SQL literal; only the fixed list is ever inlined. */
function typeLiteral(type: WebhookEventType): string {
  if (!WEBHOOK_EVENT_TYPES.includes(type)) throw new Error(`unknown webhook event type "${String(type)}"`);
  return `'${type}'`;
}

/**
 * The outbox INSERT of events of `type`, one per row of `source` (a table, a CTE or a
 * subquery in parentheses with an alias), each row's data and voucher id given as SQL
 * expressions over it. Nothing is written while no enabled endpoint subscribes to the type
 * (one index probe per statement). A voucher.expiring event already in the outbox for the
 * voucher is skipped (once per voucher).
 */
export function outboxInsertSql(type: WebhookEventType, source: string, data: string, voucherId = 'NULL::uuid'): string {
  const literal = typeLiteral(type);
  return `INSERT INTO webhook_events (type, data, voucher_id)
    SELECT ${literal}, ${data}, ${voucherId} FROM ${source}
     WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled AND ${literal} = ANY (events))
    ON CONFLICT (voucher_id, type) WHERE type = 'voucher.expiring' DO NOTHING`;
}

/**
 * How other modules announce what happened: an event row in the transactional outbox,
 * written with the caller's manager so it commits (or not) with the change it reports. The
 * worker's relay fans committed events out to the subscribed endpoints.
 */
@Injectable()
export class WebhookEvents {
  /** One event `{id, type, at, data}`; `voucherId` names the voucher it is about, if any. */
  async emit(manager: EntityManager, type: WebhookEventType, data: object, voucherId?: string): Promise<void> {
    await manager.query(outboxInsertSql(type, '(SELECT $1::jsonb AS data, $2::uuid AS voucher_id) AS event', 'data', 'voucher_id'), [
      JSON.stringify(data),
      voucherId ?? null,
    ]);
  }

  /**
   * One event per row of `rows`, a SELECT giving `voucher_id` and `data` (jsonb), in one
   * statement; returns how many were written (rows skipped as already sent do not count).
   */
  async emitAll(manager: EntityManager, type: WebhookEventType, rows: string, params: unknown[]): Promise<number> {
    const written = await manager.query<unknown[]>(
      `${outboxInsertSql(type, `(${rows}) AS event`, 'event.data', 'event.voucher_id')} RETURNING 1`,
      params,
    );
    return written.length;
  }
}
