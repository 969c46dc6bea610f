import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AuditContext } from '../audit/audit.types';
import { DomainError, notFound } from '../common/errors/domain-error';
import type { Page } from '../common/http/pagination';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UnitOfWork } from '../database/unit-of-work';
import { Approval, APPROVAL_KINDS, ApprovalKind } from './approval.entity';
import { Decision, decisionRefusal, requiresApproval } from './approval.rules';
import { toApprovalView } from './approval.view';
import type { ListApprovalsQuery } from './dto/approval.dto';

/** How the module owning a kind makes the approved change. */
export interface ApprovalHandler {
  /**
   * Makes the change inside the approval's own transaction (with its audit event). Throwing a
   * DomainError (the subject moved on since the request) rolls the approval back to pending.
   */
  apply(manager: EntityManager, approval: Approval, context: AuditContext): Promise<void>;
  /** Runs once the approval has committed, for state derived from the change. */
  afterCommit?(approval: Approval): Promise<void>;
}

export interface ApprovalRequest {
  kind: ApprovalKind;
  subject: { type: string; id: string };
  change: Record<string, unknown>;
}

/**
 * The four-eyes requests (SPEC "Staff and audit"). Generic: the module owning a kind asks for
 * approvals and registers the kind's handler, so this module never depends on the modules
 * whose changes it holds.
 */
@Injectable()
export class ApprovalsService implements OnApplicationBootstrap {
  private readonly handlers = new Map<ApprovalKind, ApprovalHandler>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(Approval) private readonly approvals: Repository<Approval>,
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
  ) {}

  /** Called once per kind by the module that owns it, when its service is built. */
  handle(kind: ApprovalKind, handler: ApprovalHandler): void {
    if (this.handlers.has(kind)) throw new Error(`approval kind ${kind} has two handlers`);
    this.handlers.set(kind, handler);
  }

  /** A kind nobody handles could be requested but never approved: refuse to start instead. */
  onApplicationBootstrap(): void {
    const missing = APPROVAL_KINDS.filter((kind) => !this.handlers.has(kind));
    if (missing.length > 0) throw new Error(`no handler registered for approval kinds: ${missing.join(', ')}`);
  }

  /** Whether a change this caller asks for must wait for a second staff member. */
  required(context: AuditContext): boolean {
    return requiresApproval(this.config.fourEyes, context.actor);
  }

  /**
   * Files a pending request inside the caller's transaction (which has checked that the change
   * could be made now). A second pending request of the same kind for the same subject → 409.
   */
  async request(manager: EntityManager, context: AuditContext, input: ApprovalRequest): Promise<Approval> {
    if (context.actor.type !== 'staff') throw new Error(`approval requested by a ${context.actor.type}, not a staff member`);
    const [inserted] = await manager.query<Array<{ id: string }>>(
      `INSERT INTO approvals (kind, subject_type, subject_id, change, requested_by_id, requested_by_name)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (kind, subject_type, subject_id) WHERE status = 'pending' DO NOTHING
       RETURNING id`,
      [input.kind, input.subject.type, input.subject.id, JSON.stringify(input.change), context.actor.id, context.actor.name],
    );
    if (!inserted) throw new DomainError('INVALID_STATE', `A ${input.kind} request for this ${input.subject.type} is already pending`);
    const approval = await manager.findOneByOrFail(Approval, { id: inserted.id });
    await this.audit.record(manager, context, {
      action: 'approval.requested',
      subject: { type: 'approval', id: approval.id },
      after: toApprovalView(approval),
    });
    return approval;
  }

  async list(query: ListApprovalsQuery): Promise<Page<Approval>> {
    const [items, total] = await this.approvals.findAndCount({
      where: { ...(query.status ? { status: query.status } : {}), ...(query.kind ? { kind: query.kind } : {}) },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: query.limit,
      skip: query.offset,
    });
    return { items, total };
  }

  async get(id: string): Promise<Approval> {
    const approval = await this.approvals.findOneBy({ id });
    if (!approval) throw notFound('approval', id);
    return approval;
  }

  /** Approves and applies the change, in one transaction: either both happen or neither. */
  approve(id: string, context: AuditContext, note?: string): Promise<Approval> {
    return this.decide(id, 'approve', context, note);
  }

  /** Rejects the request; nothing else changes. */
  reject(id: string, context: AuditContext, note?: string): Promise<Approval> {
    return this.decide(id, 'reject', context, note);
  }

  /**
   * The status moves by a conditional UPDATE of the pending row: of any number of deciders at
   * once, the first holds the row until it commits and the others then find it decided.
   */
  private async decide(id: string, decision: Decision, context: AuditContext, note: string | undefined): Promise<Approval> {
    // The requester never changes, so the four-eyes check needs no lock; the status is re-checked by the UPDATE.
    const refusal = decisionRefusal(await this.get(id), decision, context.actor.id, this.config.fourEyes);
    if (refusal) throw refusal;
    const status = decision === 'approve' ? 'approved' : 'rejected';
    const decided = await this.uow.run(async (manager) => {
      const [rows] = await manager.query<[Array<{ id: string }>, number]>(
        `UPDATE approvals
            SET status = $2, decided_by_id = $3, decided_by_name = $4, decided_at = now(), note = $5, updated_at = now()
          WHERE id = $1 AND status = 'pending'
         RETURNING id`,
        [id, status, context.actor.id, context.actor.name, note ?? null],
      );
      // Another decider's UPDATE committed first.
      if (rows.length === 0) throw new DomainError('INVALID_STATE', 'This request was decided already');
      const approval = await manager.findOneByOrFail(Approval, { id });
      if (decision === 'approve') await this.handlerOf(approval.kind).apply(manager, approval, context);
      await this.audit.record(manager, context, {
        action: `approval.${status}`,
        subject: { type: 'approval', id },
        before: { status: 'pending' },
        after: { status, decidedBy: { id: context.actor.id, name: context.actor.name }, note: approval.note },
      });
      return approval;
    });
    if (decision === 'approve') await this.handlerOf(decided.kind).afterCommit?.(decided);
    return decided;
  }

  private handlerOf(kind: ApprovalKind): ApprovalHandler {
    const handler = this.handlers.get(kind);
    if (!handler) throw new Error(`no handler registered for approval kind ${kind}`);
    return handler;
  }
}
