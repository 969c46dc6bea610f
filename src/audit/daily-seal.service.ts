import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { UnitOfWork } from '../database/unit-of-work';
import { systemAuditContext } from './audit-context';
import { AuditService } from './audit.service';
import { DAILY_SEAL_ACTION, dayWindow, daysToSeal } from './daily-seal.rules';
import { sealOf, type Sql } from './sealed-rows';

export const DAILY_SEAL_JOB = 'audit.daily-seal';

const sqlOf =
  (manager: EntityManager): Sql =>
  (text, params) =>
    manager.query(text, params);

/**
 * Seals each campaign-time-zone day: one audit event carrying the count and Merkle root of the
 * vouchers claimed and the redemptions stored that day, so a later edit, insertion or deletion
 * of one of them is found by audit:verify.
 */
@Injectable()
export class DailySealService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
  ) {}

  /** Seals every day that is due at `now`; returns the days sealed by this call. */
  async sealDueDays(now = new Date()): Promise<string[]> {
    const [{ lastSealed, firstActivity }] = await this.uow.manager.query<[{ lastSealed: string | null; firstActivity: Date | null }]>(
      `SELECT (SELECT max(subject_id) FROM audit_events WHERE action = $1) AS "lastSealed",
              least((SELECT min(claimed_at) FROM vouchers), (SELECT min(created_at) FROM redemptions)) AS "firstActivity"`,
      [DAILY_SEAL_ACTION],
    );
    const days = daysToSeal({
      lastSealed: lastSealed ?? undefined,
      firstActivity: firstActivity ?? undefined,
      now,
      zone: this.config.campaignTimezone,
    });
    const sealed: string[] = [];
    for (const day of days) if (await this.sealDay(day)) sealed.push(day);
    return sealed;
  }

  /**
   * Seals one day unless it is sealed already (false then). Concurrent sealers queue on a
   * transaction-scoped advisory lock and the later ones find the seal; the unique index on
   * the seal's day would refuse a second one anyway.
   */
  async sealDay(day: string): Promise<boolean> {
    const zone = this.config.campaignTimezone;
    const window = dayWindow(day, zone);
    return this.uow.run(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`juhui:${DAILY_SEAL_ACTION}`]);
      const existing = await manager.query<unknown[]>(`SELECT 1 FROM audit_events WHERE action = $1 AND subject_id = $2`, [
        DAILY_SEAL_ACTION,
        day,
      ]);
      if (existing.length > 0) return false;
      const seal = await sealOf(sqlOf(manager), day, zone, window);
      await this.audit.record(manager, systemAuditContext(DAILY_SEAL_JOB), {
        action: DAILY_SEAL_ACTION,
        subject: { type: 'audit_day', id: day },
        after: { ...seal },
      });
      return true;
    });
  }
}
