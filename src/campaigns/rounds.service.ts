import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AuditContext } from '../audit/audit.types';
import { DomainError, notFound } from '../common/errors/domain-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UnitOfWork } from '../database/unit-of-work';
import { VouchersService } from '../vouchers/vouchers.service';
import { Campaign } from './campaign.entity';
import { announce, CampaignEvents, RoundChangedEvent, RoundCreatedEvent } from './campaign.events';
import { lockedCampaign, lockedRound } from './campaign.locks';
import { assertRoundFitsCampaign, budgetExceeded, roundFaceValue, RoundSchedule, STATUSES_ACCEPTING_ROUNDS } from './campaign.rules';
import { toRoundView } from './campaign.view';
import { Denomination } from './denomination.entity';
import { CreateRoundDto } from './dto/campaign.dto';
import { Round } from './round.entity';
import { assertRoundMay, editedRound, returnedQuantity, RoundAction, RoundBody, RoundEdit, roundAllocation } from './round.rules';

const subjectOf = (roundId: string) => ({ type: 'round', id: roundId });

function assertCampaignTakesRounds(campaign: Campaign): void {
  if (!STATUSES_ACCEPTING_ROUNDS.includes(campaign.status)) {
    throw new DomainError('INVALID_STATE', `Rounds of a ${campaign.status} campaign cannot be added or changed`);
  }
}

/**
 * A round's life: created, edited before its claim window opens, cancelled before it opens or
 * closed after. Each change of a round's face value moves the campaign's `allocated` under the
 * campaign row's lock, so concurrent changes can never together pass the budget (a CHECK
 * constraint backs this up), and writes its audit event in the same transaction. The claim
 * engine rebuilds its Redis state from PostgreSQL after each change (CampaignEvents).
 */
@Injectable()
export class RoundsService {
  private readonly logger = new Logger(RoundsService.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly events: EventEmitter2,
    private readonly audit: AuditService,
    private readonly vouchers: VouchersService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(campaignId: string, input: CreateRoundDto, context: AuditContext): Promise<Round> {
    const body: RoundBody = {
      ...input,
      voucherValidFrom: input.voucherValidFrom ?? null,
      voucherValidUntil: input.voucherValidUntil ?? null,
      voucherValidDays: input.voucherValidDays ?? null,
    };
    const round = await this.uow.run(async (manager) => {
      const campaign = await lockedCampaign(manager, campaignId);
      assertCampaignTakesRounds(campaign);
      assertRoundFitsCampaign(campaign, body, this.config.campaignTimezone);
      const faceValue = roundFaceValue(body.denominations);
      await this.allocate(manager, campaign, faceValue);
      const saved = await manager.save(Round, manager.create(Round, { campaignId, ...roundColumns(body), status: 'active' }));
      saved.denominations = await manager.save(
        Denomination,
        body.denominations.map((d, position) => newDenomination(manager, saved, position, d)),
      );
      // The round spends budget: the event shows the campaign's allocation before and after it.
      await this.audit.record(manager, context, {
        action: 'round.created',
        subject: subjectOf(saved.id),
        before: { campaignAllocated: campaign.allocated },
        after: { ...toRoundView(saved), campaignAllocated: campaign.allocated + faceValue },
      });
      return saved;
    });
    await this.announce<RoundCreatedEvent>(CampaignEvents.roundCreated, { campaignId, roundId: round.id });
    return round;
  }

  /**
   * Any field of the round's body, before its window opens. Denominations are matched by
   * position (see UpdateRoundDto); the difference in face value is allocated or given back.
   */
  async update(id: string, edit: RoundEdit, context: AuditContext): Promise<Round> {
    return this.change(id, 'edit', async (manager, round) => {
      const campaign = await lockedCampaign(manager, round.campaignId);
      assertCampaignTakesRounds(campaign);
      const next = editedRound(round, edit);
      assertRoundFitsCampaign(campaign, next, this.config.campaignTimezone);
      await this.allocate(manager, campaign, roundFaceValue(next.denominations) - roundFaceValue(round.denominations));
      await manager.update(Round, { id }, roundColumns(next));
      await this.replaceDenominations(manager, round, next.denominations);
      const saved = await this.reload(manager, id);
      await this.audit.record(manager, context, {
        action: 'round.updated',
        subject: subjectOf(id),
        before: toRoundView(round),
        after: toRoundView(saved),
      });
      return saved;
    });
  }

  /** Before the window opens: `cancelled`, and its whole allocation back to the campaign. */
  async cancel(id: string, context: AuditContext): Promise<Round> {
    return this.change(id, 'cancel', (manager, round, stored) => this.end(manager, round, 'cancel', stored, context));
  }

  /**
   * After the window opened: `closed`, and the face value of the stock no voucher was stored
   * for back to the campaign: returned = quantity − vouchers stored, per denomination (see
   * `change` for why that count is final). Claims that Redis admitted but PostgreSQL refused
   * answer ROUND_NOT_OPEN, their stock among what is given back.
   */
  async close(id: string, context: AuditContext): Promise<Round> {
    return this.change(id, 'close', (manager, round, stored) => this.end(manager, round, 'close', stored, context));
  }

  /**
   * Makes a change to the round atomic with claim admission. Admission stops in Redis first
   * (CampaignEvents.roundChanging), so no claim is admitted while the change waits; the
   * round's lock then waits for the vouchers being written and holds back every later one,
   * which then finds the round as the change left it (migration RoundLifecycle). So the
   * vouchers counted under the lock are all the round has, and an edit or cancel finding any
   * (claims admitted as the window opened) is too late. Afterwards, whether the change was
   * made or refused, the claim engine reloads the round from PostgreSQL.
   */
  private async change(
    id: string,
    action: RoundAction,
    work: (manager: EntityManager, round: Round, stored: ReadonlyMap<string, number>) => Promise<Round>,
  ): Promise<Round> {
    const current = await this.uow.manager.findOneBy(Round, { id });
    if (!current) throw notFound('round', id);
    assertRoundMay(action, current, new Date());
    await this.announce<RoundChangedEvent>(CampaignEvents.roundChanging, { roundId: id });
    try {
      return await this.uow.run(async (manager) => {
        const round = await lockedRound(manager, id);
        const stored = await this.vouchers.storedPerDenomination(manager, id);
        assertRoundMay(
          action,
          round,
          new Date(),
          [...stored.values()].reduce((sum, n) => sum + n, 0),
        );
        return work(manager, round, stored);
      });
    } finally {
      await this.announce<RoundChangedEvent>(CampaignEvents.roundChanged, { roundId: id });
    }
  }

  /** Cancels or closes the locked round, giving its unclaimed stock's face value back to the campaign. */
  private async end(
    manager: EntityManager,
    round: Round,
    action: 'cancel' | 'close',
    stored: ReadonlyMap<string, number>,
    context: AuditContext,
  ): Promise<Round> {
    const campaign = await lockedCampaign(manager, round.campaignId);
    const returned = round.denominations.map((d) => ({ ...d, returnedQuantity: returnedQuantity(action, d, stored.get(d.id) ?? 0) }));
    for (const d of returned) await manager.update(Denomination, { id: d.id }, { returnedQuantity: d.returnedQuantity });
    await manager.update(Round, { id: round.id }, { status: action === 'cancel' ? 'cancelled' : 'closed', endedAt: () => 'now()' });
    const givenBack = roundAllocation(round.denominations) - roundAllocation(returned);
    await manager.update(Campaign, { id: campaign.id }, { allocated: campaign.allocated - givenBack });
    const saved = await this.reload(manager, round.id);
    await this.audit.record(manager, context, {
      action: action === 'cancel' ? 'round.cancelled' : 'round.closed',
      subject: subjectOf(round.id),
      before: toRoundView(round),
      after: { ...toRoundView(saved), campaignAllocated: campaign.allocated - givenBack },
    });
    return saved;
  }

  /** Adds `faceValue` (negative: gives it back) to the locked campaign's allocation, within its budget. */
  private async allocate(manager: EntityManager, campaign: Campaign, faceValue: number): Promise<void> {
    if (faceValue === 0) return;
    if (campaign.allocated + faceValue > campaign.budget) throw budgetExceeded(campaign, faceValue);
    await manager.update(Campaign, { id: campaign.id }, { allocated: campaign.allocated + faceValue });
  }

  /** The Nth denomination keeps its id and takes the Nth values; new positions are added, old ones past the end removed. */
  private async replaceDenominations(manager: EntityManager, round: Round, wanted: RoundSchedule['denominations']): Promise<void> {
    const existing = [...round.denominations].sort((a, b) => a.position - b.position);
    for (const [position, d] of wanted.entries()) {
      const kept = existing[position];
      const values = { faceValue: d.faceValue, minSpend: d.minSpend, quantity: d.quantity };
      if (kept) await manager.update(Denomination, { id: kept.id }, values);
      else await manager.save(Denomination, newDenomination(manager, round, position, d));
    }
    const removed = existing.slice(wanted.length).map((d) => d.id);
    if (removed.length > 0) await manager.delete(Denomination, removed);
  }

  private async reload(manager: EntityManager, id: string): Promise<Round> {
    const round = await manager.findOneOrFail(Round, { where: { id } });
    round.denominations = await manager.find(Denomination, { where: { roundId: id }, order: { position: 'ASC' } });
    return round;
  }

  private announce<T>(event: string, payload: T): Promise<void> {
    return announce(this.events, this.logger, event, payload);
  }
}

function roundColumns(body: RoundBody) {
  return {
    name: body.name,
    claimOpensAt: body.claimOpensAt,
    claimClosesAt: body.claimClosesAt,
    perResidentLimit: body.perResidentLimit,
    voucherValidFrom: body.voucherValidFrom,
    voucherValidUntil: body.voucherValidUntil,
    voucherValidDays: body.voucherValidDays,
  };
}

function newDenomination(
  manager: EntityManager,
  round: Pick<Round, 'id' | 'campaignId'>,
  position: number,
  d: RoundSchedule['denominations'][number],
): Denomination {
  return manager.create(Denomination, {
    roundId: round.id,
    campaignId: round.campaignId,
    position,
    faceValue: d.faceValue,
    minSpend: d.minSpend,
    quantity: d.quantity,
    returnedQuantity: 0,
  });
}
