import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { registerQueue, WEBHOOKS_QUEUE } from '../queues/queues';
import { WebhookDelivery } from './webhook-delivery.service';
import { WebhooksProcessor } from './webhooks.processor';

/** The background half of webhooks (only where the worker runs): the relay and the deliveries. */
@Module({
  imports: [registerQueue(WEBHOOKS_QUEUE), AuditModule],
  providers: [WebhookDelivery, WebhooksProcessor],
})
export class WebhookDeliveryModule {}
