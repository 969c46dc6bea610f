import { Module } from '@nestjs/common';
import { WebhookEvents } from './webhook-events';

/** What other modules import to emit webhook events (WebhookEvents.emit inside their transaction). */
@Module({ providers: [WebhookEvents], exports: [WebhookEvents] })
export class WebhookEventsModule {}
