import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap, OnModuleDestroy, Type } from '@nestjs/common';
import { Job, WaitingError } from 'bullmq';
import { systemAuditContext } from '../audit/audit-context';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { SETTLEMENT_JOBS, SETTLEMENT_QUEUE, upsertRepeatingJobs } from '../queues/queues';
import { SettlementEngine } from './settlement-engine.service';
import { SettlementQueue } from './settlement-queue.service';
import { SettlementRunsService } from './settlement-runs.service';
import { SettlementRunJobData, settlementSchedules } from './settlement.jobs';

/** Logged once shutting down has begun: from then on no further merchant is started (tests wait for it). */
export const SETTLEMENT_STOPPING_LINE = 'settlement stopping: a run in hand goes back to the queue after its current merchants';

/** The system actor a settlement job's changes are recorded as: "settlement.run", "settlement.scheduled-run", … */
const jobAuditContext = (jobName: string) => systemAuditContext(`${SETTLEMENT_QUEUE}.${jobName}`);

/** Open runs looked at per recovery sweep. */
const RECOVERY_BATCH = 100;

/**
 * The settlement consumer (only where the worker runs). Any number of these may run at once:
 * a run is one job (jobId = run id), and the engine is exactly-once anyway. Its repeating
 * jobs (settlementSchedules) create the daily run and, every SETTLEMENT_RECOVERY_SECONDS,
 * re-enqueue open runs the queue has lost (Redis is not the truth). On shutdown it stops
 * between merchants and hands the run back to the queue (Nest destroys modules, setting
 * `stopping`, before it closes the workers).
 */
export class SettlementProcessor extends WorkerHost implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SettlementProcessor.name);
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: SettlementQueue,
    private readonly runs: SettlementRunsService,
    private readonly engine: SettlementEngine,
    private readonly metrics: MetricsService,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.worker.on('error', (error) => this.logger.warn(`settlement worker: ${error.message}`));
    await upsertRepeatingJobs(this.queue.queue, settlementSchedules(this.config));
  }

  onModuleDestroy(): void {
    this.stopping = true;
    this.logger.log(SETTLEMENT_STOPPING_LINE);
  }

  async process(job: Job, token?: string): Promise<void> {
    switch (job.name) {
      case SETTLEMENT_JOBS.scheduledRun: {
        const runId = await this.runs.requestScheduled(jobAuditContext(job.name));
        if (runId) this.logger.log(`scheduled settlement run ${runId} created`);
        return;
      }
      case SETTLEMENT_JOBS.recovery:
        return this.recover();
      case SETTLEMENT_JOBS.run:
        return this.processRun(job as Job<SettlementRunJobData>, token);
      default:
        throw new Error(`unknown settlement job "${job.name}"`);
    }
  }

  private async processRun(job: Job<SettlementRunJobData>, token?: string): Promise<void> {
    const { runId } = job.data;
    try {
      const run = await this.runs.begin(runId);
      if (!run) return; // finished already: nothing to do
      const outcome = await this.engine.settle(run.id, run.cutoff, () => this.stopping);
      if (outcome === 'interrupted') {
        // Shutting down: hand the run back untouched; another worker resumes it.
        await job.moveToWait(token);
        this.metrics.settlementJobs.inc({ outcome: 'handed-back' });
        throw new WaitingError();
      }
      await this.runs.complete(runId, jobAuditContext(job.name));
      this.metrics.settlementJobs.inc({ outcome: 'completed' });
    } catch (error) {
      if (error instanceof WaitingError) throw error;
      const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const reason = error instanceof Error ? error.message : String(error);
      await this.runs.recordFailure(runId, reason, final, jobAuditContext(job.name)).catch((cause: unknown) => this.logger.error(cause));
      this.metrics.settlementJobs.inc({ outcome: final ? 'failed' : 'retried' });
      this.logger.warn(`settlement run ${runId} attempt ${job.attemptsMade + 1} failed${final ? ' for good' : ''}: ${reason}`);
      throw error;
    }
  }

  /** Makes Redis agree with PostgreSQL: every open run has a live job. */
  private async recover(): Promise<void> {
    for (const runId of await this.runs.openRunIds(RECOVERY_BATCH)) {
      const { action, reason } = await this.queue.reconcile(runId);
      if (action === 'enqueued') this.logger.log(`settlement run ${runId} had no live job: enqueued again`);
      if (action === 'gave-up') {
        await this.runs.recordFailure(runId, reason ?? 'the job failed', true, jobAuditContext(SETTLEMENT_JOBS.recovery));
        this.metrics.settlementJobs.inc({ outcome: 'failed' });
      }
    }
  }
}

/**
 * SettlementProcessor registered with the configured lock. @nestjs/bullmq reads a worker's
 * options from its @Processor decorator only, and SETTLEMENT_JOB_LOCK_SECONDS is known at
 * start-up, so the decorator is applied here to a subclass rather than on the class itself.
 */
export function configuredSettlementProcessor(jobLockSeconds: number): Type<SettlementProcessor> {
  const lockMs = jobLockSeconds * 1000;
  class ConfiguredSettlementProcessor extends SettlementProcessor {}
  Processor(SETTLEMENT_QUEUE, {
    // A run is a large, database-bound job: one at a time per worker; more workers, more runs.
    concurrency: 1,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: 2,
  })(ConfiguredSettlementProcessor);
  return ConfiguredSettlementProcessor;
}
