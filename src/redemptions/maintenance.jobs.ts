/** The scheduled housekeeping of checkout, run on the maintenance queue. */
export const MAINTENANCE_JOBS = {
  /** Marks vouchers past validity `expired` in bulk (readers already derive it). */
  expireVouchers: { name: 'vouchers.expire', everyMs: 60_000 },
  /** Deletes idempotency keys past retention. */
  purgeIdempotencyKeys: { name: 'idempotency.purge', everyMs: 3600_000 },
} as const;

export type MaintenanceJobName = (typeof MAINTENANCE_JOBS)[keyof typeof MAINTENANCE_JOBS]['name'];
