import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { DomainError, notFound } from '../common/errors/domain-error';
import type { Page, PaginationQuery } from '../common/http/pagination';
import { PayoutLine, payoutsCsv } from './payouts-csv';
import { SettlementRunsService } from './settlement-runs.service';
import { SettlementStatement } from './settlement-statement.entity';
import { PAYOUT_LINES } from './settlement.queries';

export interface StatementFilter extends PaginationQuery {
  runId?: string;
  merchantId?: string;
}

@Injectable()
export class SettlementStatementsService {
  constructor(
    @InjectRepository(SettlementStatement) private readonly statements: Repository<SettlementStatement>,
    private readonly runs: SettlementRunsService,
  ) {}

  async list(filter: StatementFilter): Promise<Page<SettlementStatement>> {
    const qb = this.statements.createQueryBuilder('s').orderBy('s.created_at', 'DESC').addOrderBy('s.id', 'ASC');
    if (filter.runId) qb.andWhere('s.run_id = :runId', { runId: filter.runId });
    if (filter.merchantId) qb.andWhere('s.merchant_id = :merchantId', { merchantId: filter.merchantId });
    const [items, total] = await qb.take(filter.limit).skip(filter.offset).getManyAndCount();
    return { items, total };
  }

  /** Records the bank transfer of a statement, once: 409 INVALID_STATE when already paid or nothing is owed. */
  async markPaid(id: string, bankReference: string): Promise<SettlementStatement> {
    const result = await this.statements
      .createQueryBuilder()
      .update()
      .set({ status: 'paid', bankReference, paidAt: () => 'now()' })
      .where(`id = :id AND status = 'pending' AND net > 0`, { id })
      .execute();
    const statement = await this.statements.findOneBy({ id });
    if (!statement) throw notFound('statement', id);
    if (!result.affected) {
      throw new DomainError(
        'INVALID_STATE',
        statement.status === 'paid' ? `statement ${id} is already paid` : `statement ${id} has nothing to pay (net 0)`,
      );
    }
    return statement;
  }

  /**
   * The bank payout file of a finished run: one line per merchant with a positive net. A run
   * that failed part-way still has the statements it committed (they are final), so its file
   * lists those; an unfinished run has no file yet.
   */
  async payoutsFile(runId: string): Promise<string> {
    const run = await this.runs.get(runId);
    if (run.status === 'queued' || run.status === 'running') {
      throw new DomainError('INVALID_STATE', `run ${runId} is ${run.status}; its payouts are known once it has finished`);
    }
    const lines: PayoutLine[] = await this.statements.query(PAYOUT_LINES, [runId]);
    return payoutsCsv(lines);
  }
}
