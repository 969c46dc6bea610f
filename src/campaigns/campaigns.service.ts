import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import type { Approval } from '../approvals/approval.entity';
import { ApprovalsService } from '../approvals/approvals.service';
import { AuditService } from '../audit/audit.service';
import type { AuditContext } from '../audit/audit.types';
import { DomainError, notFound } from '../common/errors/domain-error';
import type { Page } from '../common/http/pagination';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UnitOfWork } from '../database/unit-of-work';
import { Campaign, CampaignStatus } from './campaign.entity';
import { announce, CampaignChangedEvent, CampaignEvents } from './campaign.events';
import { lockedCampaign } from './campaign.locks';
import {
  allowedFrom,
  assertCampaignPeriod,
  assertEditable,
  assertPeriodHoldsRounds,
  assertRiseAlone,
  budgetExceeded,
  hasEnded,
  BudgetRise,
  CampaignEdit,
  editOf,
  matchesTerms,
  PublicationTerms,
  publicationTerms,
  raisesBudget,
} from './campaign.rules';
import { toCampaignView } from './campaign.view';
import { Denomination } from './denomination.entity';
import { CreateCampaignDto, ListCampaignsQuery } from './dto/campaign.dto';
import { Round } from './round.entity';

export interface CampaignWithRounds {
  campaign: Campaign;
  rounds: Round[];
}

/** A change made at once, or held for a second operator under the four-eyes rule. */
export type CampaignOutcome = { campaign: Campaign } | { approval: Approval };

const subjectOf = (campaignId: string) => ({ type: 'campaign', id: campaignId });

function assertMayMove(campaign: Campaign, action: 'publish' | 'close'): void {
  if (!allowedFrom(action).includes(campaign.status))
    throw new DomainError('INVALID_STATE', `Cannot ${action} a ${campaign.status} campaign`);
  // Checked on the locked row, when publication is asked and again when it is applied.
  if (action === 'publish' && hasEnded(campaign, new Date()))
    throw new DomainError('INVALID_STATE', `Cannot publish a campaign that ended at ${campaign.endsAt.toISOString()}`);
}

@Injectable()
export class CampaignsService implements OnModuleInit {
  private readonly logger = new Logger(CampaignsService.name);

  constructor(
    @InjectRepository(Campaign) private readonly campaigns: Repository<Campaign>,
    @InjectRepository(Round) private readonly rounds: Repository<Round>,
    @InjectRepository(Denomination) private readonly denominations: Repository<Denomination>,
    private readonly uow: UnitOfWork,
    private readonly events: EventEmitter2,
    private readonly audit: AuditService,
    private readonly approvals: ApprovalsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** How an approved publication or budget rise is made: re-checked against the campaign as it is now. */
  onModuleInit(): void {
    this.approvals.handle('campaign.publish', {
      apply: async (manager, approval, context) => {
        const campaign = await lockedCampaign(manager, approval.subjectId);
        if (!matchesTerms(campaign, approval.change as unknown as PublicationTerms)) {
          throw new DomainError(
            'INVALID_STATE',
            'The campaign’s budget or dates changed after its publication was asked for: reject this request',
          );
        }
        await this.transitionLocked(manager, campaign, 'publish', context);
      },
      afterCommit: (approval) => this.announce<CampaignChangedEvent>(CampaignEvents.published, { campaignId: approval.subjectId }),
    });
    this.approvals.handle('campaign.budget_rise', {
      apply: async (manager, approval, context) => {
        const campaign = await lockedCampaign(manager, approval.subjectId);
        const rise = approval.change as unknown as BudgetRise;
        if (campaign.status !== 'active' || campaign.budget !== rise.from) {
          throw new DomainError(
            'INVALID_STATE',
            'The campaign’s budget or status changed after this rise was asked for: reject this request',
          );
        }
        await this.saveEdit(manager, campaign, { budget: rise.to }, context);
      },
    });
  }

  async create(input: CreateCampaignDto, context: AuditContext): Promise<Campaign> {
    assertCampaignPeriod(input);
    return this.uow.run(async (manager) => {
      const campaign = await manager.save(
        manager.create(Campaign, {
          name: input.name,
          theme: input.theme,
          description: input.description ?? null,
          budget: input.budget,
          allocated: 0,
          startsAt: input.startsAt,
          endsAt: input.endsAt,
          status: 'draft',
        }),
      );
      await this.audit.record(manager, context, {
        action: 'campaign.created',
        subject: subjectOf(campaign.id),
        before: null,
        after: toCampaignView(campaign),
      });
      return campaign;
    });
  }

  /** `visibleStatuses` limits what the caller may see (the public sees active campaigns only). */
  async list(query: ListCampaignsQuery, visibleStatuses?: readonly CampaignStatus[]): Promise<Page<Campaign>> {
    const statuses = visibleStatuses ?? (query.status ? [query.status] : undefined);
    const [items, total] = await this.campaigns.findAndCount({
      where: {
        ...(statuses ? { status: In([...statuses]) } : {}),
        ...(query.theme ? { theme: query.theme } : {}),
      },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: query.limit,
      skip: query.offset,
    });
    return { items, total };
  }

  async get(id: string, visibleStatuses?: readonly CampaignStatus[]): Promise<Campaign> {
    const campaign = await this.campaigns.findOneBy({ id });
    if (!campaign || (visibleStatuses && !visibleStatuses.includes(campaign.status))) throw notFound('campaign', id);
    return campaign;
  }

  async getWithRounds(id: string, visibleStatuses?: readonly CampaignStatus[]): Promise<CampaignWithRounds> {
    const campaign = await this.get(id, visibleStatuses);
    const rounds = await this.rounds.find({
      where: { campaignId: id },
      relations: { denominations: true },
      order: { claimOpensAt: 'ASC', id: 'ASC' },
    });
    return { campaign, rounds };
  }

  /**
   * Edits a draft (any field) or a running campaign (budget, endsAt, description). A budget
   * may not drop below what its rounds allocate, nor the dates leave a round outside them.
   * Under the four-eyes rule a running campaign's budget rise is only requested here.
   */
  async update(id: string, change: CampaignEdit, context: AuditContext): Promise<CampaignOutcome> {
    const edit = editOf(change);
    return this.uow.run(async (manager): Promise<CampaignOutcome> => {
      const campaign = await lockedCampaign(manager, id);
      assertEditable(campaign.status, edit);
      const next = { ...campaign, ...edit };
      assertCampaignPeriod(next);
      if (next.budget < campaign.allocated) throw budgetExceeded(next, 0);
      if (edit.startsAt !== undefined || edit.endsAt !== undefined) {
        const standing = await manager.find(Round, { where: { campaignId: id, status: In(['active', 'closed']) } });
        assertPeriodHoldsRounds(next, standing, this.config.campaignTimezone);
      }
      if (raisesBudget(campaign, edit) && this.approvals.required(context)) {
        assertRiseAlone(edit);
        const rise: BudgetRise = { from: campaign.budget, to: next.budget };
        return {
          approval: await this.approvals.request(manager, context, {
            kind: 'campaign.budget_rise',
            subject: subjectOf(id),
            change: { ...rise },
          }),
        };
      }
      return { campaign: await this.saveEdit(manager, campaign, edit, context) };
    });
  }

  /** Draft → active, or under the four-eyes rule a request that another operator approves. */
  async publish(id: string, context: AuditContext): Promise<CampaignOutcome> {
    const outcome = await this.uow.run(async (manager): Promise<CampaignOutcome> => {
      const campaign = await lockedCampaign(manager, id);
      if (!this.approvals.required(context)) return { campaign: await this.transitionLocked(manager, campaign, 'publish', context) };
      assertMayMove(campaign, 'publish');
      const terms = publicationTerms(campaign);
      return {
        approval: await this.approvals.request(manager, context, {
          kind: 'campaign.publish',
          subject: subjectOf(id),
          change: { ...terms },
        }),
      };
    });
    if ('campaign' in outcome) await this.announce<CampaignChangedEvent>(CampaignEvents.published, { campaignId: id });
    return outcome;
  }

  async close(id: string, context: AuditContext): Promise<Campaign> {
    const closed = await this.uow.run(async (manager) =>
      this.transitionLocked(manager, await lockedCampaign(manager, id), 'close', context),
    );
    await this.announce<CampaignChangedEvent>(CampaignEvents.closed, { campaignId: id });
    return closed;
  }

  /** A round with its denominations, or NOT_FOUND. */
  async getRound(roundId: string): Promise<Round> {
    const round = await this.rounds.findOne({ where: { id: roundId }, relations: { denominations: true } });
    if (!round) throw notFound('round', roundId);
    return round;
  }

  /** The round a denomination belongs to, or NOT_FOUND (the claim engine caches this: it never changes). */
  async getDenominationRoundId(denominationId: string): Promise<string> {
    const denomination = await this.denominations.findOne({ where: { id: denominationId }, select: { id: true, roundId: true } });
    if (!denomination) throw notFound('denomination', denominationId);
    return denomination.roundId;
  }

  private async transitionLocked(
    manager: EntityManager,
    campaign: Campaign,
    action: 'publish' | 'close',
    context: AuditContext,
  ): Promise<Campaign> {
    assertMayMove(campaign, action);
    await manager.update(
      Campaign,
      { id: campaign.id },
      action === 'publish' ? { status: 'active', publishedAt: () => 'now()' } : { status: 'closed', closedAt: () => 'now()' },
    );
    const moved = await manager.findOneByOrFail(Campaign, { id: campaign.id });
    await this.audit.record(manager, context, {
      action: action === 'publish' ? 'campaign.published' : 'campaign.closed',
      subject: subjectOf(campaign.id),
      before: toCampaignView(campaign),
      after: toCampaignView(moved),
    });
    return moved;
  }

  /** Saves an edit of the locked campaign with its audit event (none when nothing was given). */
  private async saveEdit(manager: EntityManager, campaign: Campaign, edit: CampaignEdit, context: AuditContext): Promise<Campaign> {
    if (Object.keys(edit).length === 0) return campaign;
    await manager.update(Campaign, { id: campaign.id }, edit);
    const saved = await manager.findOneByOrFail(Campaign, { id: campaign.id });
    await this.audit.record(manager, context, {
      action: 'campaign.updated',
      subject: subjectOf(campaign.id),
      before: toCampaignView(campaign),
      after: toCampaignView(saved),
    });
    return saved;
  }

  private announce<T>(event: string, payload: T): Promise<void> {
    return announce(this.events, this.logger, event, payload);
  }
}
