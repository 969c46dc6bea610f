import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AuditService } from '../audit/audit.service';
import type { AuditContext } from '../audit/audit.types';
import { DomainError, notFound } from '../common/errors/domain-error';
import type { Page, PaginationQuery } from '../common/http/pagination';
import { startOfDay } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UnitOfWork } from '../database/unit-of-work';
import { SCHEDULED_REQUESTER, SettlementRun, SettlementRunStatus } from './settlement-run.entity';
import { SettlementQueue } from './settlement-queue.service';
import { RUN_TOTALS } from './settlement.queries';
import { toRunView } from './settlement.view';

const OPEN: SettlementRunStatus[] = ['queued', 'running'];
/** Longest failure reason kept on a run. */
const MAX_ERROR_LENGTH = 2000;

/** The life of a settlement run row: queued → running → completed | failed. */
@Injectable()
export class SettlementRunsService {
  constructor(
    @InjectRepository(SettlementRun) private readonly runs: Repository<SettlementRun>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: SettlementQueue,
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
  ) {}

  /** Stores a run for `cutoff` (default: the start of today in the campaign time zone) and queues it. */
  async request(cutoff: Date | undefined, requestedBy: string, context: AuditContext): Promise<SettlementRun> {
    const now = new Date();
    const at = cutoff ?? startOfDay(now, this.config.campaignTimezone);
    if (at.getTime() > now.getTime()) {
      throw new DomainError('VALIDATION_FAILED', 'cutoff must not be in the future', [
        { field: 'cutoff', problems: ['must not be in the future'] },
      ]);
    }
    // Read before queueing: a worker may pick the run up at once, and the answer is the run as requested.
    const run = await this.uow.run(async (manager) => {
      const inserted = await manager.insert(SettlementRun, { cutoff: at, status: 'queued', requestedBy });
      const requested = await manager.findOneByOrFail(SettlementRun, { id: (inserted.identifiers[0] as { id: string }).id });
      await this.recordRun(manager, context, 'settlement_run.requested', null, requested);
      return requested;
    });
    await this.queue.tryEnqueueRun(run.id);
    return run;
  }

  /** The daily run (cutoff: the start of today); at most one per cutoff however often the schedule fires. */
  async requestScheduled(context: AuditContext): Promise<string | undefined> {
    const cutoff = startOfDay(new Date(), this.config.campaignTimezone);
    const id = await this.uow.run(async (manager) => {
      const inserted = await manager
        .createQueryBuilder()
        .insert()
        .into(SettlementRun)
        .values({ cutoff, status: 'queued', requestedBy: SCHEDULED_REQUESTER })
        .orIgnore()
        .returning(['id'])
        .execute();
      const insertedId = (inserted.raw as Array<{ id: string }>)[0]?.id;
      if (insertedId) {
        const requested = await manager.findOneByOrFail(SettlementRun, { id: insertedId });
        await this.recordRun(manager, context, 'settlement_run.requested', null, requested);
      }
      return insertedId;
    });
    if (id) await this.queue.enqueueRun(id);
    return id;
  }

  async list(query: PaginationQuery): Promise<Page<SettlementRun>> {
    const [items, total] = await this.runs.findAndCount({ order: { createdAt: 'DESC', id: 'ASC' }, take: query.limit, skip: query.offset });
    return { items, total };
  }

  async get(id: string): Promise<SettlementRun> {
    const run = await this.runs.findOneBy({ id });
    if (!run) throw notFound('settlement run', id);
    return run;
  }

  async openRunIds(limit: number): Promise<string[]> {
    const runs = await this.runs.find({ select: { id: true }, where: { status: In(OPEN) }, order: { createdAt: 'ASC' }, take: limit });
    return runs.map((run) => run.id);
  }

  /** Marks an open run running for one more attempt; undefined when it has finished already. */
  async begin(id: string): Promise<{ id: string; cutoff: Date } | undefined> {
    const result = await this.runs
      .createQueryBuilder()
      .update()
      .set({ status: 'running', attempts: () => 'attempts + 1', startedAt: () => 'coalesce(started_at, now())' })
      .where('id = :id AND status IN (:...open)', { id, open: OPEN })
      .returning(['id', 'cutoff'])
      .execute();
    const row = (result.raw as Array<{ id: string; cutoff: Date }>)[0];
    return row ? { id: row.id, cutoff: new Date(row.cutoff) } : undefined;
  }

  /** Completes a run with the totals of its statements (once: a run that has finished already stays as it is). */
  async complete(id: string, context: AuditContext): Promise<void> {
    await this.finish(id, context, 'settlement_run.completed', async (manager) => {
      const [totals]: Array<{ statements: number; redemptions: number; net: string }> = await manager.query(RUN_TOTALS, [id]);
      return {
        status: 'completed',
        error: null,
        statements: totals.statements,
        redemptions: totals.redemptions,
        net: Number(totals.net),
        finishedAt: () => 'now()',
      };
    });
  }

  /** Records why an attempt failed; `final` ends the run `failed`, otherwise it stays open for the retry. */
  async recordFailure(id: string, reason: string, final: boolean, context: AuditContext): Promise<void> {
    const error = reason.slice(0, MAX_ERROR_LENGTH);
    if (!final) {
      // Not a change of the run's state, only the reason the next attempt may clear: no event.
      await this.runs.update({ id, status: In(OPEN) }, { error });
      return;
    }
    await this.finish(id, context, 'settlement_run.failed', () => Promise.resolve({ status: 'failed', error, finishedAt: () => 'now()' }));
  }

  /**
   * Ends an open run with what `outcome` gives, and records it, in one transaction. The run's
   * row is locked first, so of two workers finishing the same run only one changes (and records) it.
   */
  private async finish(
    id: string,
    context: AuditContext,
    action: string,
    outcome: (manager: EntityManager) => Promise<QueryDeepPartialEntity<SettlementRun>>,
  ): Promise<void> {
    await this.uow.run(async (manager) => {
      const run = await manager.findOne(SettlementRun, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!run || !OPEN.includes(run.status)) return;
      await manager.update(SettlementRun, { id }, await outcome(manager));
      await this.recordRun(manager, context, action, run, await manager.findOneByOrFail(SettlementRun, { id }));
    });
  }

  private recordRun(
    manager: EntityManager,
    context: AuditContext,
    action: string,
    before: SettlementRun | null,
    after: SettlementRun,
  ): Promise<void> {
    return this.audit.record(manager, context, {
      action,
      subject: { type: 'settlement_run', id: after.id },
      before: before && toRunView(before),
      after: toRunView(after),
    });
  }
}
