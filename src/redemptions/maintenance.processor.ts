import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { MAINTENANCE_JOBS, MAINTENANCE_QUEUE, RepeatingJob, upsertRepeatingJobs } from '../queues/queues';
import { VouchersService } from '../vouchers/vouchers.service';

type MaintenanceJobName = (typeof MAINTENANCE_JOBS)[keyof typeof MAINTENANCE_JOBS];

/** The maintenance queue's repeating jobs (scheduler id = job name). */
const MAINTENANCE_SCHEDULES: readonly RepeatingJob[] = [
  { id: MAINTENANCE_JOBS.expireVouchers, name: MAINTENANCE_JOBS.expireVouchers, repeat: { every: 60_000 } },
  { id: MAINTENANCE_JOBS.remindExpiring, name: MAINTENANCE_JOBS.remindExpiring, repeat: { every: 60_000 } },
  { id: MAINTENANCE_JOBS.purgeIdempotencyKeys, name: MAINTENANCE_JOBS.purgeIdempotencyKeys, repeat: { every: 3600_000 } },
];

/**
 * Runs the maintenance jobs and registers their schedules. Each is idempotent (a set-based
 * UPDATE/DELETE of whatever is due now), so a retried or overlapping run does no harm.
 */
@Processor(MAINTENANCE_QUEUE)
export class MaintenanceProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(MAINTENANCE_QUEUE) private readonly queue: Queue,
    private readonly vouchers: VouchersService,
    private readonly idempotency: IdempotencyService,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await upsertRepeatingJobs(this.queue, MAINTENANCE_SCHEDULES);
  }

  async process(job: Job): Promise<{ changed: number }> {
    const name = job.name as MaintenanceJobName;
    switch (name) {
      case MAINTENANCE_JOBS.expireVouchers: {
        const changed = await this.vouchers.expireOverdue();
        if (changed > 0) this.logger.log(`marked ${changed} vouchers expired`);
        return { changed };
      }
      case MAINTENANCE_JOBS.remindExpiring: {
        const changed = await this.vouchers.remindExpiring(this.config.webhooks.reminderDays);
        if (changed > 0) this.logger.log(`sent voucher.expiring for ${changed} vouchers`);
        return { changed };
      }
      case MAINTENANCE_JOBS.purgeIdempotencyKeys: {
        const changed = await this.idempotency.purgeExpired();
        if (changed > 0) this.logger.log(`purged ${changed} idempotency keys`);
        return { changed };
      }
      default:
        throw new Error(`unknown maintenance job "${String(name satisfies never)}"`);
    }
  }
}
