import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AuditContext } from '../audit/audit.types';
import { DomainError, notFound } from '../common/errors/domain-error';
import type { Page } from '../common/http/pagination';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UnitOfWork } from '../database/unit-of-work';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { webhookHostProblem } from './webhook-sender';
import { generateWebhookSecret, WebhookEventType, webhookUrlProblem } from './webhook.rules';
import { DeliveryRow, DeliveryView, toDeliveryView, toWebhookView } from './webhook.view';

export interface NewWebhook {
  url: string;
  events: WebhookEventType[];
}

export interface WebhookChange {
  url?: string;
  events?: WebhookEventType[];
  enabled?: boolean;
}

const invalidUrl = (problem: string): DomainError =>
  new DomainError('VALIDATION_FAILED', `url ${problem}`, [{ field: 'url', problems: [`url ${problem}`] }]);

/** The bureau's webhook endpoints and their delivery history (SPEC "Webhooks (admin)"). */
@Injectable()
export class WebhooksService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(WebhookEndpoint) private readonly endpoints: Repository<WebhookEndpoint>,
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
  ) {}

  /** A new endpoint and its signing secret, which only this answer shows. */
  async create(input: NewWebhook, context: AuditContext): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    await this.checkUrl(input.url);
    const secret = generateWebhookSecret();
    const endpoint = await this.uow.run(async (manager) => {
      const inserted = await manager
        .createQueryBuilder()
        .insert()
        .into(WebhookEndpoint)
        .values({ url: input.url, events: input.events, secret, enabled: true, disabledReason: null, failureStreak: 0 })
        .returning('id')
        .execute();
      const id = (inserted.raw as Array<{ id: string }>)[0].id;
      const created = await manager.findOneByOrFail(WebhookEndpoint, { id });
      await this.audit.record(manager, context, {
        action: 'webhook.created',
        subject: { type: 'webhook', id },
        after: toWebhookView(created),
      });
      return created;
    });
    return { endpoint, secret };
  }

  async list(page: { limit: number; offset: number }): Promise<Page<WebhookEndpoint>> {
    const [items, total] = await this.endpoints.findAndCount({
      order: { createdAt: 'ASC', id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
    return { items, total };
  }

  /**
   * A new URL or event list, or enabled on or off. Turning an endpoint back on clears its
   * failure run, and its pending deliveries are attempted again.
   */
  async update(id: string, change: WebhookChange, context: AuditContext): Promise<WebhookEndpoint> {
    if (change.url === undefined && change.events === undefined && change.enabled === undefined) {
      throw new DomainError('VALIDATION_FAILED', 'Give url, events or enabled', [{ field: '', problems: ['nothing to change'] }]);
    }
    if (change.url !== undefined) await this.checkUrl(change.url);
    return this.uow.run(async (manager) => {
      const endpoint = await manager.findOne(WebhookEndpoint, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!endpoint) throw notFound('webhook', id);
      const enabling = change.enabled === true && !endpoint.enabled;
      await manager.update(
        WebhookEndpoint,
        { id },
        {
          ...(change.url === undefined ? {} : { url: change.url }),
          ...(change.events === undefined ? {} : { events: change.events }),
          ...(change.enabled === undefined || change.enabled === endpoint.enabled
            ? {}
            : { enabled: change.enabled, disabledReason: change.enabled ? null : 'admin' }),
          ...(enabling ? { failureStreak: 0 } : {}),
        },
      );
      const changed = await manager.findOneByOrFail(WebhookEndpoint, { id });
      await this.audit.record(manager, context, {
        action: 'webhook.updated',
        subject: { type: 'webhook', id },
        before: toWebhookView(endpoint),
        after: toWebhookView(changed),
      });
      return changed;
    });
  }

  /** Removes an endpoint with its delivery history; nothing more is sent to it. */
  async remove(id: string, context: AuditContext): Promise<WebhookEndpoint> {
    return this.uow.run(async (manager) => {
      const endpoint = await manager.findOne(WebhookEndpoint, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!endpoint) throw notFound('webhook', id);
      await manager.delete(WebhookEndpoint, { id });
      await this.audit.record(manager, context, {
        action: 'webhook.deleted',
        subject: { type: 'webhook', id },
        before: toWebhookView(endpoint),
      });
      return endpoint;
    });
  }

  /** The endpoint's deliveries, newest first. */
  async deliveries(id: string, page: { limit: number; offset: number }): Promise<Page<DeliveryView>> {
    if (!(await this.endpoints.existsBy({ id }))) throw notFound('webhook', id);
    const [rows, [{ total }]] = await Promise.all([
      this.endpoints.query<DeliveryRow[]>(
        `SELECT d.id, d.event_id, e.type AS event_type, d.status, d.attempts, d.last_status, d.last_error, d.next_attempt_at,
                d.last_attempt_at, d.delivered_at, d.created_at
           FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
          WHERE d.endpoint_id = $1
          ORDER BY d.created_at DESC, d.id
          LIMIT $2 OFFSET $3`,
        [id, page.limit, page.offset],
      ),
      this.endpoints.query<[{ total: number }]>(`SELECT count(*)::int AS total FROM webhook_deliveries WHERE endpoint_id = $1`, [id]),
    ]);
    return { items: rows.map(toDeliveryView), total };
  }

  private async checkUrl(text: string): Promise<void> {
    const problem = webhookUrlProblem(text) ?? (await webhookHostProblem(new URL(text), this.config.webhooks.allowPrivate));
    if (problem) throw invalidUrl(problem);
  }
}
