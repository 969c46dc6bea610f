import type { JobsOptions } from 'bullmq';
import { DEFAULT_JOB_OPTIONS } from '../queues/queues';

/** A settlement run: jobId = the run id, so a run is in the queue at most once. */
export const SETTLEMENT_RUN_JOB = 'run';
/** Produced by the daily job scheduler: creates the day's run. */
export const SCHEDULED_RUN_JOB = 'scheduled-run';
export const DAILY_SCHEDULER_ID = 'settlement-daily';

export interface SettlementRunJobData {
  runId: string;
}

/** The queue's defaults with the configured first retry delay (it doubles each attempt). */
export function settlementJobOptions(retryDelayMs: number): JobsOptions {
  return { ...DEFAULT_JOB_OPTIONS, backoff: { type: 'exponential', delay: retryDelayMs } };
}
