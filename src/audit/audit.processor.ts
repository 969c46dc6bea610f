import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AUDIT_JOBS, AUDIT_QUEUE, RepeatingJob, upsertRepeatingJobs } from '../queues/queues';
import { AuditCheckpointsService } from './audit-checkpoints.service';
import { DailySealService } from './daily-seal.service';

type AuditJobName = (typeof AUDIT_JOBS)[keyof typeof AUDIT_JOBS];

/** Often enough that a day is sealed within minutes of its SEAL_DELAY_MS; a run with nothing due reads two values. */
const DAILY_SEAL_EVERY_MS = 5 * 60_000;

/**
 * The audit queue's consumer and schedules (scheduler id = job name, one per deployment).
 * Both jobs are idempotent: a checkpoint of a size already signed is not stored twice, a day
 * already sealed is skipped, so an overlapping or retried run does no harm.
 */
@Processor(AUDIT_QUEUE)
export class AuditProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuditProcessor.name);

  constructor(
    @InjectQueue(AUDIT_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly checkpoints: AuditCheckpointsService,
    private readonly seals: DailySealService,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    const schedules: RepeatingJob[] = [
      { id: AUDIT_JOBS.checkpoint, name: AUDIT_JOBS.checkpoint, repeat: { every: this.config.audit.checkpointSeconds * 1000 } },
      { id: AUDIT_JOBS.dailySeal, name: AUDIT_JOBS.dailySeal, repeat: { every: DAILY_SEAL_EVERY_MS } },
    ];
    await upsertRepeatingJobs(this.queue, schedules);
  }

  async process(job: Job): Promise<{ size?: number; sealed?: string[] }> {
    const name = job.name as AuditJobName;
    switch (name) {
      case AUDIT_JOBS.checkpoint: {
        const made = await this.checkpoints.checkpoint();
        if (made?.created) this.logger.log(`signed audit checkpoint of ${made.checkpoint.size} events`);
        return { size: made?.checkpoint.size };
      }
      case AUDIT_JOBS.dailySeal: {
        const sealed = await this.seals.sealDueDays();
        if (sealed.length > 0) this.logger.log(`sealed ${sealed.join(', ')}`);
        return { sealed };
      }
      default:
        throw new Error(`unknown audit job "${String(name satisfies never)}"`);
    }
  }
}
