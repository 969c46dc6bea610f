import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SETTLEMENT_JOBS, SETTLEMENT_QUEUE } from '../queues/queues';
import { settlementJobOptions, SettlementRunJobData } from './settlement.jobs';

/** What the recovery sweep did about one open run. */
export type Reconciliation = 'kept' | 'enqueued' | 'gave-up';

/**
 * The settlement queue as the rest of the module sees it. The queue only carries work:
 * the run rows are the truth, and `reconcile` puts back whatever the queue has lost.
 */
@Injectable()
export class SettlementQueue {
  private readonly logger = new Logger(SettlementQueue.name);

  constructor(
    @InjectQueue(SETTLEMENT_QUEUE) readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async enqueueRun(runId: string): Promise<void> {
    const data: SettlementRunJobData = { runId };
    await this.queue.add(SETTLEMENT_JOBS.run, data, { ...settlementJobOptions(this.config.settlement.retryDelayMs), jobId: runId });
  }

  /** Enqueues the run, or leaves it to the recovery sweep when Redis is away now. */
  async tryEnqueueRun(runId: string): Promise<void> {
    try {
      await this.enqueueRun(runId);
    } catch (error) {
      this.logger.warn(`run ${runId} is stored but not yet queued (${(error as Error).message}); a worker's recovery sweep will queue it`);
    }
  }

  /**
   * Makes the queue agree with an open (queued or running) run: a job that is missing, or
   * finished while the run is not, is added again; a job that gave up for good (failed all
   * its attempts, or stalled too often) is reported so the run can be marked failed.
   */
  async reconcile(runId: string): Promise<{ action: Reconciliation; reason?: string }> {
    const job = await this.queue.getJob(runId);
    const state = job ? await job.getState() : 'unknown';
    if (job && state === 'failed') return { action: 'gave-up', reason: job.failedReason || 'the job failed' };
    if (job && state !== 'completed' && state !== 'unknown') return { action: 'kept' };
    if (job) await job.remove().catch(() => undefined);
    await this.enqueueRun(runId);
    return { action: 'enqueued' };
  }
}
