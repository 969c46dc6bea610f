import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { MAINTENANCE_QUEUE } from '../queues/queues';
import { VouchersService } from '../vouchers/vouchers.service';
import { MAINTENANCE_JOBS, MaintenanceJobName } from './maintenance.jobs';

/**
 * Runs the maintenance jobs. Each is idempotent (a set-based UPDATE/DELETE of whatever is
 * due now), so a retried or overlapping run does no harm.
 */
@Processor(MAINTENANCE_QUEUE)
export class MaintenanceProcessor extends WorkerHost {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    private readonly vouchers: VouchersService,
    private readonly idempotency: IdempotencyService,
  ) {
    super();
  }

  async process(job: Job): Promise<{ changed: number }> {
    const name = job.name as MaintenanceJobName;
    switch (name) {
      case MAINTENANCE_JOBS.expireVouchers.name: {
        const changed = await this.vouchers.expireOverdue();
        if (changed > 0) this.logger.log(`marked ${changed} vouchers expired`);
        return { changed };
      }
      case MAINTENANCE_JOBS.purgeIdempotencyKeys.name: {
        const changed = await this.idempotency.purgeExpired();
        if (changed > 0) this.logger.log(`purged ${changed} idempotency keys`);
        return { changed };
      }
      default:
        throw new Error(`unknown maintenance job "${String(name satisfies never)}"`);
    }
  }
}

/**
 * Registers the repeating schedules. upsertJobScheduler is keyed by the job name, so every
 * worker process starting up converges on one schedule per job rather than adding copies.
 */
@Injectable()
export class MaintenanceScheduler implements OnApplicationBootstrap {
  constructor(@InjectQueue(MAINTENANCE_QUEUE) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const job of Object.values(MAINTENANCE_JOBS)) {
      await this.queue.upsertJobScheduler(job.name, { every: job.everyMs }, { name: job.name });
    }
  }
}
