import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AuditContext } from '../audit/audit.types';
import { DomainError, notFound } from '../common/errors/domain-error';
import type { Page } from '../common/http/pagination';
import { UnitOfWork } from '../database/unit-of-work';
import { Campaign, CampaignStatus } from './campaign.entity';
import { CampaignChangedEvent, CampaignEvents, RoundCreatedEvent } from './campaign.events';
import { toCampaignView, toRoundView } from './campaign.view';
import { allowedFrom, assertCampaignPeriod, assertRoundFitsCampaign, roundFaceValue, STATUSES_ACCEPTING_ROUNDS } from './campaign.rules';
import { Denomination } from './denomination.entity';
import { CreateCampaignDto, CreateRoundDto, ListCampaignsQuery, UpdateCampaignDto } from './dto/campaign.dto';
import { Round } from './round.entity';

export interface CampaignWithRounds {
  campaign: Campaign;
  rounds: Round[];
}

function budgetExceeded(campaign: Campaign, wanted: number): DomainError {
  return new DomainError(
    'BUDGET_EXCEEDED',
    `Campaign budget is ${campaign.budget} fen with ${campaign.allocated} fen allocated; ${wanted} fen more does not fit`,
    { budget: campaign.budget, allocated: campaign.allocated, requested: wanted },
  );
}

/** The audit action of each status change. */
const TRANSITION_EVENTS = { publish: 'campaign.published', close: 'campaign.closed' } as const;

@Injectable()
export class CampaignsService {
  private readonly logger = new Logger(CampaignsService.name);

  constructor(
    @InjectRepository(Campaign) private readonly campaigns: Repository<Campaign>,
    @InjectRepository(Round) private readonly rounds: Repository<Round>,
    @InjectRepository(Denomination) private readonly denominations: Repository<Denomination>,
    private readonly uow: UnitOfWork,
    private readonly events: EventEmitter2,
    private readonly audit: AuditService,
  ) {}

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
      await this.recordCampaign(manager, context, 'campaign.created', null, campaign);
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

  /** Edits a draft. A budget may not drop below what its rounds already allocate. */
  async update(id: string, change: UpdateCampaignDto, context: AuditContext): Promise<Campaign> {
    return this.uow.run(async (manager) => {
      const campaign = await manager.findOne(Campaign, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!campaign) throw notFound('campaign', id);
      if (campaign.status !== 'draft')
        throw new DomainError('INVALID_STATE', `Only a draft campaign can be edited; this one is ${campaign.status}`);
      const next = { ...campaign, ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) };
      assertCampaignPeriod(next);
      if (next.budget < campaign.allocated) throw budgetExceeded(next, 0);
      const saved = await manager.save(Campaign, next);
      await this.recordCampaign(manager, context, 'campaign.updated', campaign, saved);
      return saved;
    });
  }

  publish(id: string, context: AuditContext): Promise<Campaign> {
    return this.transition(id, 'publish', 'active', CampaignEvents.published, context);
  }

  close(id: string, context: AuditContext): Promise<Campaign> {
    return this.transition(id, 'close', 'closed', CampaignEvents.closed, context);
  }

  /**
   * Adds a round with its denominations. The campaign row is locked while the round's face
   * value is checked against the budget and added to `allocated`, so concurrent round
   * creations can never together pass the budget (a CHECK constraint backs this up).
   */
  async createRound(campaignId: string, input: CreateRoundDto, context: AuditContext): Promise<Round> {
    const round = await this.uow.run(async (manager) => {
      const campaign = await manager.findOne(Campaign, { where: { id: campaignId }, lock: { mode: 'pessimistic_write' } });
      if (!campaign) throw notFound('campaign', campaignId);
      if (!STATUSES_ACCEPTING_ROUNDS.includes(campaign.status)) {
        throw new DomainError('INVALID_STATE', `Rounds cannot be added to a ${campaign.status} campaign`);
      }
      assertRoundFitsCampaign(campaign, input);
      const faceValue = roundFaceValue(input.denominations);
      if (campaign.allocated + faceValue > campaign.budget) throw budgetExceeded(campaign, faceValue);
      const allocated = campaign.allocated + faceValue;
      await manager.update(Campaign, { id: campaignId }, { allocated });
      const saved = await manager.save(
        Round,
        manager.create(Round, {
          campaignId,
          name: input.name,
          claimOpensAt: input.claimOpensAt,
          claimClosesAt: input.claimClosesAt,
          perResidentLimit: input.perResidentLimit,
          voucherValidFrom: input.voucherValidFrom,
          voucherValidUntil: input.voucherValidUntil,
        }),
      );
      saved.denominations = await manager.save(
        Denomination,
        input.denominations.map((d, position) =>
          manager.create(Denomination, {
            roundId: saved.id,
            campaignId,
            position,
            faceValue: d.faceValue,
            minSpend: d.minSpend,
            quantity: d.quantity,
          }),
        ),
      );
      // The round spends budget: the event shows the campaign's allocation before and after it.
      await this.audit.record(manager, context, {
        action: 'round.created',
        subject: { type: 'round', id: saved.id },
        before: { campaignAllocated: campaign.allocated },
        after: { ...toRoundView(saved), campaignAllocated: allocated },
      });
      return saved;
    });
    await this.announce<RoundCreatedEvent>(CampaignEvents.roundCreated, { campaignId, roundId: round.id });
    return round;
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

  /** The campaign row is locked while its status is checked and changed, so the event's before is what the change replaced. */
  private async transition(
    id: string,
    action: 'publish' | 'close',
    to: CampaignStatus,
    event: string,
    context: AuditContext,
  ): Promise<Campaign> {
    const changed = await this.uow.run(async (manager) => {
      const campaign = await manager.findOne(Campaign, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!campaign) throw notFound('campaign', id);
      if (!allowedFrom(action).includes(campaign.status)) {
        throw new DomainError('INVALID_STATE', `Cannot ${action} a ${campaign.status} campaign`);
      }
      await manager.update(
        Campaign,
        { id },
        to === 'active' ? { status: to, publishedAt: () => 'now()' } : { status: to, closedAt: () => 'now()' },
      );
      const after = await manager.findOneByOrFail(Campaign, { id });
      await this.recordCampaign(manager, context, TRANSITION_EVENTS[action], campaign, after);
      return after;
    });
    await this.announce<CampaignChangedEvent>(event, { campaignId: id });
    return changed;
  }

  private recordCampaign(
    manager: EntityManager,
    context: AuditContext,
    action: string,
    before: Campaign | null,
    after: Campaign,
  ): Promise<void> {
    return this.audit.record(manager, context, {
      action,
      subject: { type: 'campaign', id: after.id },
      before: before && toCampaignView(before),
      after: toCampaignView(after),
    });
  }

  /**
   * Listeners keep derived state (the claim engine's Redis counters) in step. The change is
   * already committed, and derived state is rebuilt by reconciliation, so a failing listener
   * is logged rather than turned into an error for a change that did happen.
   */
  private async announce<T>(event: string, payload: T): Promise<void> {
    try {
      await this.events.emitAsync(event, payload);
    } catch (error) {
      this.logger.warn(`listener for ${event} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
