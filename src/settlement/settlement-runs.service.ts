import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { DomainError, notFound } from '../common/errors/domain-error';
import type { Page, PaginationQuery } from '../common/http/pagination';
import { startOfDay } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SCHEDULED_REQUESTER, SettlementRun, SettlementRunStatus } from './settlement-run.entity';
import { SettlementQueue } from './settlement-queue.service';
import { RUN_TOTALS } from './settlement.queries';

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
  ) {}

  /** Stores a run for `cutoff` (default: the start of today in the campaign time zone) and queues it. */
  async request(cutoff: Date | undefined, requestedBy: string): Promise<SettlementRun> {
    const now = new Date();
    const at = cutoff ?? startOfDay(now, this.config.campaignTimezone);
    if (at.getTime() > now.getTime()) {
      throw new DomainError('VALIDATION_FAILED', 'cutoff must not be in the future', [
        { field: 'cutoff', problems: ['must not be in the future'] },
      ]);
    }
    const inserted = await this.runs.insert({ cutoff: at, status: 'queued', requestedBy });
    // Read before queueing: a worker may pick the run up at once, and the answer is the run as requested.
    const run = await this.get((inserted.identifiers[0] as { id: string }).id);
    await this.queue.tryEnqueueRun(run.id);
    return run;
  }

  /** The daily run (cutoff: the start of today); at most one per cutoff however often the schedule fires. */
  async requestScheduled(): Promise<string | undefined> {
    const cutoff = startOfDay(new Date(), this.config.campaignTimezone);
    const inserted = await this.runs
      .createQueryBuilder()
      .insert()
      .values({ cutoff, status: 'queued', requestedBy: SCHEDULED_REQUESTER })
      .orIgnore()
      .returning(['id'])
      .execute();
    const id = (inserted.raw as Array<{ id: string }>)[0]?.id;
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

  /** Completes a run with the totals of its statements. */
  async complete(id: string): Promise<void> {
    const [totals]: Array<{ statements: number; redemptions: number; net: string }> = await this.runs.query(RUN_TOTALS, [id]);
    await this.runs
      .createQueryBuilder()
      .update()
      .set({
        status: 'completed',
        error: null,
        statements: totals.statements,
        redemptions: totals.redemptions,
        net: Number(totals.net),
        finishedAt: () => 'now()',
      })
      .where('id = :id AND status IN (:...open)', { id, open: OPEN })
      .execute();
  }

  /** Records why an attempt failed; `final` ends the run `failed`, otherwise it stays open for the retry. */
  async recordFailure(id: string, reason: string, final: boolean): Promise<void> {
    await this.runs
      .createQueryBuilder()
      .update()
      .set(
        final
          ? { status: 'failed', error: reason.slice(0, MAX_ERROR_LENGTH), finishedAt: () => 'now()' }
          : { error: reason.slice(0, MAX_ERROR_LENGTH) },
      )
      .where('id = :id AND status IN (:...open)', { id, open: OPEN })
      .execute();
  }
}
