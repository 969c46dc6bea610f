import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AuditService } from '../audit/audit.service';
import type { AuditContext } from '../audit/audit.types';
import { DomainError, forbidden, notFound } from '../common/errors/domain-error';
import type { Page, PaginationQuery } from '../common/http/pagination';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UnitOfWork } from '../database/unit-of-work';
import { payoutLines, payoutsCsv } from './payouts-csv';
import { Payees } from './payees';
import { SettlementRun } from './settlement-run.entity';
import { SettlementRunsService } from './settlement-runs.service';
import { SettlementStatement } from './settlement-statement.entity';
import { PAYOUT_STATEMENTS, STATEMENT_REDEMPTION_LINES } from './settlement.queries';
import { breaksFourEyes, StatementAction, StatementStatus, statementTransition } from './settlement.rules';
import { RedemptionLine, statementLinesCsv } from './statement-lines-csv';
import { toStatementView } from './settlement.view';
import { WebhookEvents } from '../webhooks/webhook-events';

export interface StatementFilter extends PaginationQuery {
  runId?: string;
  merchantId?: string;
  status?: StatementStatus;
}

/** Whose statements a caller may see: a merchant its own (`merchantId`), the bureau all. */
export interface StatementScope {
  merchantId?: string;
}

/** The audit action of each state change. */
const AUDIT_ACTIONS: Record<StatementAction, string> = {
  approve: 'statement.approved',
  hold: 'statement.held',
  release: 'statement.released',
  pay: 'statement.paid',
};

/** Columns a state change writes besides the status. */
type StateColumns = QueryDeepPartialEntity<SettlementStatement>;

@Injectable()
export class SettlementStatementsService {
  constructor(
    @InjectRepository(SettlementStatement) private readonly statements: Repository<SettlementStatement>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runs: SettlementRunsService,
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
    private readonly payees: Payees,
    private readonly webhooks: WebhookEvents,
  ) {}

  async list(filter: StatementFilter): Promise<Page<SettlementStatement>> {
    const qb = this.statements.createQueryBuilder('s').orderBy('s.created_at', 'DESC').addOrderBy('s.id', 'ASC');
    if (filter.runId) qb.andWhere('s.run_id = :runId', { runId: filter.runId });
    if (filter.merchantId) qb.andWhere('s.merchant_id = :merchantId', { merchantId: filter.merchantId });
    if (filter.status) qb.andWhere('s.status = :status', { status: filter.status });
    const [items, total] = await qb.take(filter.limit).skip(filter.offset).getManyAndCount();
    return { items, total };
  }

  /** One statement; a merchant's scope admits its own only (403 for another merchant's). */
  async get(scope: StatementScope, id: string): Promise<SettlementStatement> {
    const statement = await this.statements.findOneBy({ id });
    if (!statement) throw notFound('statement', id);
    if (scope.merchantId !== undefined && statement.merchantId !== scope.merchantId) {
      throw forbidden('This statement belongs to another merchant');
    }
    return statement;
  }

  /** The statement's lines.csv: each redemption, reversal and carried amount behind its figures. */
  async linesFile(scope: StatementScope, id: string): Promise<string> {
    const statement = await this.get(scope, id);
    const redemptions: RedemptionLine[] = await this.statements.query(STATEMENT_REDEMPTION_LINES, [id]);
    return statementLinesCsv(statement, redemptions);
  }

  /** Approves a pending statement for payment (`actor`: the approver's principalKey). */
  approve(id: string, actor: string, context: AuditContext): Promise<SettlementStatement> {
    return this.transition(id, 'approve', actor, context, { approvedBy: actor, approvedAt: () => 'now()' });
  }

  /** Holds a pending or approved statement: it is not paid until released. */
  hold(id: string, reason: string, actor: string, context: AuditContext): Promise<SettlementStatement> {
    return this.transition(id, 'hold', actor, context, { holdReason: reason, heldAt: () => 'now()' });
  }

  /** Releases a held statement back to the status it had. */
  release(id: string, actor: string, context: AuditContext): Promise<SettlementStatement> {
    return this.transition(id, 'release', actor, context, { holdReason: null, heldAt: null });
  }

  /** Records the bank transfer of an approved statement, once. */
  markPaid(id: string, bankReference: string, actor: string, context: AuditContext): Promise<SettlementStatement> {
    return this.transition(id, 'pay', actor, context, { bankReference, paidBy: actor, paidAt: () => 'now()' });
  }

  /**
   * One state change, with its audit event, in one transaction. The statement's state is read,
   * the rules decide, and the change is written by an UPDATE conditional on that same state:
   * of concurrent changes from one state, PostgreSQL lets exactly one through (the others
   * wait for its row lock, find the state changed and update nothing), and those answer 409.
   * `approved_by` is written once (an approved statement never returns to pending), so the
   * four-eyes check read before the update still holds at it.
   */
  private transition(
    id: string,
    action: StatementAction,
    actor: string,
    context: AuditContext,
    columns: StateColumns,
  ): Promise<SettlementStatement> {
    return this.uow.run(async (manager) => {
      const statement = await manager.findOneBy(SettlementStatement, { id });
      if (!statement) throw notFound('statement', id);
      const outcome = statementTransition(statement, action);
      if ('refusal' in outcome) throw new DomainError('INVALID_STATE', `statement ${id} ${outcome.refusal}`);
      if (this.config.fourEyes) await this.checkFourEyes(manager, statement, action, actor);
      if (action === 'pay') await this.assertPayeeNotHeld(manager, statement);

      const result = await manager
        .createQueryBuilder()
        .update(SettlementStatement)
        .set({ ...columns, status: outcome.next.status, heldFrom: outcome.next.heldFrom })
        .where('id = :id AND status = :status AND held_from IS NOT DISTINCT FROM :heldFrom', {
          id,
          status: statement.status,
          heldFrom: statement.heldFrom,
        })
        .execute();
      if (!result.affected) throw new DomainError('INVALID_STATE', `statement ${id} was changed by another request meanwhile`);

      const changed = await manager.findOneByOrFail(SettlementStatement, { id });
      await this.audit.record(manager, context, {
        action: AUDIT_ACTIONS[action],
        subject: { type: 'statement', id },
        before: { status: statement.status },
        after: {
          status: changed.status,
          ...(action === 'hold' ? { reason: changed.holdReason } : {}),
          ...(action === 'pay' ? { bankReference: changed.bankReference, net: changed.net } : {}),
        },
      });
      if (action === 'pay') await this.webhooks.emit(manager, 'statement.paid', toStatementView(changed));
      return changed;
    });
  }

  /** Guarantee 11: a held merchant is not paid, whatever its statements' states (its row is share-locked against a hold meanwhile). */
  private async assertPayeeNotHeld(manager: EntityManager, statement: SettlementStatement): Promise<void> {
    const payee = (await this.payees.payees([statement.merchantId], manager)).get(statement.merchantId);
    if (payee?.held)
      throw new DomainError('INVALID_STATE', `merchant ${statement.merchantId} is held: its statements are not paid until it is released`);
  }

  private async checkFourEyes(
    manager: EntityManager,
    statement: SettlementStatement,
    action: StatementAction,
    actor: string,
  ): Promise<void> {
    const run = await manager.findOne(SettlementRun, { select: { id: true, requestedBy: true }, where: { id: statement.runId } });
    if (breaksFourEyes(action, actor, { requestedBy: run?.requestedBy ?? null, approvedBy: statement.approvedBy })) {
      throw new DomainError(
        'FOUR_EYES_REQUIRED',
        action === 'approve'
          ? 'A statement is approved by a finance member other than the one who requested its run'
          : 'A statement is marked paid by a finance member other than its approver',
      );
    }
  }

  /**
   * The bank payout file of a finished run: one line per merchant with a positive net on an
   * approved statement (pending, held and paid ones are left out). A run that failed part-way
   * still has the statements it committed (they are final), so its file lists those; an
   * unfinished run has no file yet.
   */
  async payoutsFile(runId: string): Promise<string> {
    const run = await this.runs.get(runId);
    if (run.status === 'queued' || run.status === 'running') {
      throw new DomainError('INVALID_STATE', `run ${runId} is ${run.status}; its payouts are known once it has finished`);
    }
    const statements: Array<{ statementId: string; merchantId: string; net: string }> = await this.statements.query(PAYOUT_STATEMENTS, [
      runId,
    ]);
    const payees = await this.payees.payees([...new Set(statements.map((s) => s.merchantId))]);
    return payoutsCsv(payoutLines(statements, payees));
  }
}
