import type { JobsOptions } from 'bullmq';
import type { AppConfig } from '../config/app-config';
import { DEFAULT_JOB_OPTIONS, RepeatingJob, SETTLEMENT_JOBS } from '../queues/queues';

export interface SettlementRunJobData {
  runId: string;
}

/** The queue's defaults with the configured first retry delay (it doubles each attempt). */
export function settlementJobOptions(retryDelayMs: number): JobsOptions {
  return { ...DEFAULT_JOB_OPTIONS, backoff: { type: 'exponential', delay: retryDelayMs } };
}

/**
 * The settlement queue's repeating jobs: the daily run at the configured cron in the campaign
 * time zone, and the recovery sweep. A sweep is cheap and idempotent, so it is not retried:
 * the next period's sweep is the retry.
 */
export function settlementSchedules(config: AppConfig): RepeatingJob[] {
  return [
    {
      id: 'settlement-daily',
      name: SETTLEMENT_JOBS.scheduledRun,
      repeat: { pattern: config.settlement.cron, tz: config.campaignTimezone },
      opts: settlementJobOptions(config.settlement.retryDelayMs),
    },
    {
      id: 'settlement-recovery',
      name: SETTLEMENT_JOBS.recovery,
      repeat: { every: config.settlement.recoverySeconds * 1000 },
      opts: { attempts: 1 },
    },
  ];
}
