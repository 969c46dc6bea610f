import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { RepeatingJob, upsertRepeatingJobs, WEBHOOK_JOBS, WEBHOOKS_QUEUE } from '../queues/queues';
import { DeliverJobData, WebhookDelivery } from './webhook-delivery.service';

/** The relay every second: an event waits at most about that long for its first attempt. Not retried: the next period is the retry. */
const WEBHOOK_SCHEDULES: readonly RepeatingJob[] = [
  { id: WEBHOOK_JOBS.relay, name: WEBHOOK_JOBS.relay, repeat: { every: 1_000 }, opts: { attempts: 1, removeOnComplete: true } },
];

/** Receivers are slow and remote: many attempts at once per worker, each mostly waiting. */
const DELIVERY_CONCURRENCY = 20;

/** The webhooks queue's consumer: the relay, and one attempt per deliver job. */
@Processor(WEBHOOKS_QUEUE, { concurrency: DELIVERY_CONCURRENCY })
export class WebhooksProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhooksProcessor.name);

  constructor(
    @InjectQueue(WEBHOOKS_QUEUE) private readonly queue: Queue,
    private readonly delivery: WebhookDelivery,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.worker.on('error', (error) => this.logger.warn(`webhooks worker: ${error.message}`));
    await upsertRepeatingJobs(this.queue, WEBHOOK_SCHEDULES);
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name) {
      case WEBHOOK_JOBS.relay:
        return { enqueued: await this.delivery.relay() };
      case WEBHOOK_JOBS.deliver:
        return { outcome: await this.delivery.deliver((job.data as DeliverJobData).deliveryId) };
      default:
        throw new Error(`unknown webhooks job "${job.name}"`);
    }
  }
}
