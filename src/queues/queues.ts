import type { DefaultJobOptions } from 'bullmq';

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

/** Settlement runs (job name `run`, jobId = the run id) and the daily schedule that creates them. */
export const SETTLEMENT_QUEUE = 'settlement';

/** Housekeeping on a schedule: marking expired vouchers, purging old idempotency keys. */
export const MAINTENANCE_QUEUE = 'maintenance';
