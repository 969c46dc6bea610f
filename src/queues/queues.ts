import { BullModule } from '@nestjs/bullmq';
import type { DynamicModule } from '@nestjs/common';
import type { DefaultJobOptions, JobsOptions, Queue, RepeatOptions } from 'bullmq';

/**
 * Connection options for BullMQ. Its blocking workers need `maxRetriesPerRequest: null`,
 * so BullMQ gets its own connections rather than the fail-fast command client.
 */
export function bullConnection(redisUrl: string) {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

/** Retry, backoff and retention defaults for every queue, set once here. */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/** Settlement runs, the daily schedule that creates them and the sweep that re-enqueues lost ones. */
export const SETTLEMENT_QUEUE = 'settlement';

/** Housekeeping of checkout on a schedule: marking expired vouchers, purging old idempotency keys. */
export const MAINTENANCE_QUEUE = 'maintenance';

/** Folding the statistics ledgers. */
export const STATS_QUEUE = 'stats';

/** The audit log's schedule: signed checkpoints and daily seals. */
export const AUDIT_QUEUE = 'audit';

/** Webhook deliveries, and the relay that fans the outbox out to them. */
export const WEBHOOKS_QUEUE = 'webhooks';

/** The job names of each queue; a queue's one consumer dispatches on them. */
export const SETTLEMENT_JOBS = {
  /** A settlement run: jobId = the run id, so a run is in the queue at most once. */
  run: 'run',
  /** Produced by the daily job scheduler: creates the day's run. */
  scheduledRun: 'scheduled-run',
  /** Produced every SETTLEMENT_RECOVERY_SECONDS: re-enqueues open runs the queue has lost. */
  recovery: 'recovery',
} as const;

export const MAINTENANCE_JOBS = {
  /** Marks vouchers past validity `expired` in bulk (readers already derive it). */
  expireVouchers: 'vouchers.expire',
  /** Emits voucher.expiring for vouchers within WEBHOOK_REMINDER_DAYS of their validUntil (once per voucher). */
  remindExpiring: 'vouchers.remind-expiring',
  /** Deletes idempotency keys past retention. */
  purgeIdempotencyKeys: 'idempotency.purge',
} as const;

export const AUDIT_JOBS = {
  /** Every AUDIT_CHECKPOINT_SECONDS: signs a checkpoint when the log has new events. */
  checkpoint: 'audit.checkpoint',
  /** Seals each campaign-time-zone day that has ended. */
  dailySeal: 'audit.daily-seal',
} as const;

export const STATS_JOBS = {
  /** Folds the delta rows of the statistics ledgers into one row per key. */
  compact: 'stats.compact',
} as const;

export const WEBHOOK_JOBS = {
  /** Repeating: fans new outbox events out to deliveries and re-enqueues due deliveries the queue has lost. */
  relay: 'relay',
  /** One attempt of one delivery: jobId = `${deliveryId}-${attempts made before it}`. */
  deliver: 'deliver',
} as const;

/** The queue `name` with the shared job defaults, for a module's imports. */
export function registerQueue(name: string): DynamicModule {
  return BullModule.registerQueue({ name, defaultJobOptions: DEFAULT_JOB_OPTIONS });
}

/**
 * A job that repeats. It is a BullMQ job scheduler stored in Redis under `id`, so however
 * many processes register it there is one schedule per deployment: each period produces one
 * job, which one consumer takes.
 */
export interface RepeatingJob {
  /** The scheduler's id: the same in every process (never per process). */
  id: string;
  name: string;
  repeat: Omit<RepeatOptions, 'key'>;
  opts?: JobsOptions;
}

/**
 * Registers (or updates) the repeating jobs of a queue. Called by each queue's consumer when
 * it starts, so schedules exist wherever work is done and a deployment that lost its Redis
 * data gets them back with its next worker start.
 */
export async function upsertRepeatingJobs(queue: Queue, jobs: readonly RepeatingJob[]): Promise<void> {
  for (const job of jobs) {
    await queue.upsertJobScheduler(job.id, job.repeat, { name: job.name, data: {}, opts: job.opts });
  }
}
