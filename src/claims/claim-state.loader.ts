import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { CampaignChangedEvent, CampaignEvents, RoundChangedEvent, RoundCreatedEvent } from '../campaigns/campaign.events';
import { CampaignsService } from '../campaigns/campaigns.service';
import { ListCampaignsQuery } from '../campaigns/dto/campaign.dto';
import { MAX_PAGE_SIZE } from '../common/http/pagination';
import { VouchersService } from '../vouchers/vouchers.service';
import { ClaimLedger } from './claim-ledger';
import { buildRoundState, RoundState } from './claim-state';

export interface ReconciliationReport {
  rounds: number;
  remaining: number;
}

/**
 * Derives the claim engine's Redis state from PostgreSQL: when a round is created, edited,
 * cancelled or closed or its campaign published or closed, lazily when a claim finds no state (Redis lost it), and for
 * every claimable round when an API process starts (createApp) and on `npm run reconcile`.
 *
 * A load may run while other processes are admitting and storing claims. It is safe because
 * Redis only admits: the vouchers table itself refuses a second voucher in a stock slot or a
 * resident's claim number (unique indexes) and any slot or number beyond the quantity or
 * limit (trigger). A slot reserved in flight but not yet stored looks free to the load and
 * may be handed out again; whichever voucher is stored first keeps it, and the other claim
 * simply takes the next free slot (see ClaimsService). A reservation given back after the
 * load is ignored (its generation is gone), so nothing is counted twice.
 */
@Injectable()
export class ClaimStateLoader {
  private readonly logger = new Logger(ClaimStateLoader.name);
  /** One load per round at a time in this process; concurrent callers share it. */
  private readonly loading = new Map<string, Promise<RoundState>>();

  constructor(
    private readonly campaigns: CampaignsService,
    private readonly vouchers: VouchersService,
    private readonly ledger: ClaimLedger,
  ) {}

  /** The API's start-up reconciliation: logged, and never fatal. */
  async reconcileAtStart(): Promise<void> {
    try {
      const report = await this.reconcileAll();
      this.logger.log(`claim state reconciled: ${report.rounds} claimable rounds, ${report.remaining} vouchers left`);
    } catch (error) {
      // Serving still works: every round is loaded from PostgreSQL on first use.
      this.logger.warn(`claim state reconciliation failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Rebuilds the state of every round of an active campaign whose claim window has not closed. */
  async reconcileAll(now = new Date()): Promise<ReconciliationReport> {
    const report: ReconciliationReport = { rounds: 0, remaining: 0 };
    for (let offset = 0; ; offset += MAX_PAGE_SIZE) {
      const query = Object.assign(new ListCampaignsQuery(), { status: 'active', limit: MAX_PAGE_SIZE, offset });
      const page = await this.campaigns.list(query);
      for (const campaign of page.items) {
        const { rounds } = await this.campaigns.getWithRounds(campaign.id);
        for (const round of rounds.filter((r) => r.claimClosesAt > now)) {
          const state = await this.load(round.id, true);
          report.rounds++;
          report.remaining += state.denominations.reduce((sum, d) => sum + d.freeSlots.length, 0);
        }
      }
      if (page.items.length < MAX_PAGE_SIZE) return report;
    }
  }

  /**
   * Rebuilds one round's state from the stored vouchers. A caller that only needs some
   * state (a claim that found none) joins a load already running; a caller reacting to a
   * change (`fresh`) waits for it and reads again, so it never gets state read before the change.
   */
  async load(roundId: string, fresh = true): Promise<RoundState> {
    let running = this.loading.get(roundId);
    if (running && !fresh) return running;
    while (running) {
      await running.catch(() => undefined);
      running = this.loading.get(roundId);
    }
    const loading = this.build(roundId)
      .then(async (state) => {
        await this.ledger.load(state);
        return state;
      })
      .finally(() => this.loading.delete(roundId));
    this.loading.set(roundId, loading);
    return loading;
  }

  @OnEvent(CampaignEvents.roundCreated, { async: true, promisify: true })
  async onRoundCreated(event: RoundCreatedEvent): Promise<void> {
    await this.load(event.roundId);
  }

  /** An edited, cancelled or closed round (or one whose close failed): its state as PostgreSQL now has it. */
  @OnEvent(CampaignEvents.roundChanged, { async: true, promisify: true })
  async onRoundChanged(event: RoundChangedEvent): Promise<void> {
    await this.load(event.roundId);
  }

  /** Until the roundChanged that follows, the round admits nothing. */
  @OnEvent(CampaignEvents.roundChanging, { async: true, promisify: true })
  async onRoundChanging(event: RoundChangedEvent): Promise<void> {
    await this.ledger.stopAdmission(event.roundId);
  }

  @OnEvent(CampaignEvents.published, { async: true, promisify: true })
  async onPublished(event: CampaignChangedEvent): Promise<void> {
    await this.loadCampaign(event.campaignId);
  }

  @OnEvent(CampaignEvents.closed, { async: true, promisify: true })
  async onClosed(event: CampaignChangedEvent): Promise<void> {
    await this.loadCampaign(event.campaignId);
  }

  private async loadCampaign(campaignId: string): Promise<void> {
    const { rounds } = await this.campaigns.getWithRounds(campaignId);
    for (const round of rounds) await this.load(round.id);
  }

  private async build(roundId: string): Promise<RoundState> {
    const round = await this.campaigns.getRound(roundId);
    const [campaign, stored] = await Promise.all([this.campaigns.get(round.campaignId), this.vouchers.storedRoundClaims(roundId)]);
    return buildRoundState(round, campaign, stored, randomUUID(), new Date());
  }
}
