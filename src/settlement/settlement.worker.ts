import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Job, WaitingError, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { bullConnection, SETTLEMENT_QUEUE } from '../queues/queues';
import { SettlementEngine } from './settlement-engine.service';
import { SettlementQueue } from './settlement-queue.service';
import { SettlementRunsService } from './settlement-runs.service';
import { SCHEDULED_RUN_JOB, SETTLEMENT_RUN_JOB, SettlementRunJobData } from './settlement.jobs';

/** Open runs looked at per recovery sweep. */
const RECOVERY_BATCH = 100;

/**
 * The settlement consumer (registered only where the worker runs). Any number of these may
 * run at once: a run is one job (jobId = run id), and the engine is exactly-once anyway.
 * On start and every SETTLEMENT_RECOVERY_SECONDS it re-creates the daily schedule and
 * re-enqueues open runs the queue has lost (Redis is not the truth). On shutdown it stops
 * between merchants and hands the run back to the queue.
 */
@Injectable()
export class SettlementWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SettlementWorker.name);
  private worker?: Worker;
  private recoveryTimer?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: SettlementQueue,
    private readonly runs: SettlementRunsService,
    private readonly engine: SettlementEngine,
    private readonly metrics: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const lockMs = this.config.settlement.jobLockSeconds * 1000;
    this.worker = new Worker(SETTLEMENT_QUEUE, (job, token) => this.process(job, token), {
      connection: bullConnection(this.config.redisUrl),
      // A run is a large, database-bound job: one at a time per worker; more workers, more runs.
      concurrency: 1,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: 2,
    });
    this.worker.on('error', (error) => this.logger.warn(`settlement worker: ${error.message}`));
    await this.recover();
    this.recoveryTimer = setInterval(() => void this.recover(), this.config.settlement.recoverySeconds * 1000);
    this.recoveryTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.recoveryTimer);
    await this.worker?.close();
  }

  private async process(job: Job, token?: string): Promise<void> {
    switch (job.name) {
      case SCHEDULED_RUN_JOB: {
        const runId = await this.runs.requestScheduled();
        if (runId) this.logger.log(`scheduled settlement run ${runId} created`);
        return;
      }
      case SETTLEMENT_RUN_JOB:
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
      await this.runs.complete(runId);
      this.metrics.settlementJobs.inc({ outcome: 'completed' });
    } catch (error) {
      if (error instanceof WaitingError) throw error;
      const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const reason = error instanceof Error ? error.message : String(error);
      await this.runs.recordFailure(runId, reason, final).catch((cause: unknown) => this.logger.error(cause));
      this.metrics.settlementJobs.inc({ outcome: final ? 'failed' : 'retried' });
      this.logger.warn(`settlement run ${runId} attempt ${job.attemptsMade + 1} failed${final ? ' for good' : ''}: ${reason}`);
      throw error;
    }
  }

  /** Makes Redis agree with PostgreSQL: the daily schedule exists, and every open run has a live job. */
  private async recover(): Promise<void> {
    try {
      await this.queue.upsertDailySchedule();
      for (const runId of await this.runs.openRunIds(RECOVERY_BATCH)) {
        const { action, reason } = await this.queue.reconcile(runId);
        if (action === 'enqueued') this.logger.log(`settlement run ${runId} had no live job: enqueued again`);
        if (action === 'gave-up') {
          await this.runs.recordFailure(runId, reason ?? 'the job failed', true);
          this.metrics.settlementJobs.inc({ outcome: 'failed' });
        }
      }
    } catch (error) {
      this.logger.warn(`settlement recovery sweep failed (will retry): ${(error as Error).message}`);
    }
  }
}
