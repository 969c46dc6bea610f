import { Inject, Injectable } from '@nestjs/common';
import { notFound } from '../common/errors/domain-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UnitOfWork } from '../database/unit-of-work';
import { addSums, denominationSums, Figures, groupSums, Sums, toFigures, ZERO_SUMS } from './stats.figures';
import { CampaignRow, DayRow, DenominationRow, MerchantRow, StatsQueries } from './stats.queries';

const TOP_MERCHANTS = 10;

export interface SettlementFigures {
  /** Σ net of the settlement statements (a campaign's share: see StatsQueries.settlementShares). */
  settled: number;
  /** Σ net of the statements marked paid. */
  paid: number;
}

export interface CampaignHeadline extends Figures, SettlementFigures {
  id: string;
  name: string;
  theme: string;
  status: string;
  budget: number;
}

export interface RoundFigures extends Figures {
  roundId: string;
  name: string;
  claimOpensAt: string;
}

export interface DenominationFigures extends Figures {
  denominationId: string;
  roundId: string;
  faceValue: number;
  minSpend: number;
}

export interface CampaignStats extends CampaignHeadline {
  timeZone: string;
  generatedAt: string;
  byRound: RoundFigures[];
  byDenomination: DenominationFigures[];
  byDay: DayRow[];
  topMerchants: MerchantRow[];
}

export interface OverviewStats {
  timeZone: string;
  generatedAt: string;
  campaigns: CampaignHeadline[];
  /** Every campaign together. */
  total: Figures & SettlementFigures & { budget: number };
  byDay: DayRow[];
  topMerchants: MerchantRow[];
}

/** What the bureau sees of the programme: every figure the spec defines, standing now. */
@Injectable()
export class StatsService {
  constructor(
    private readonly uow: UnitOfWork,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async campaign(id: string): Promise<CampaignStats> {
    return this.snapshot(async (queries) => {
      const [campaign] = await queries.campaigns([id]);
      if (!campaign) throw notFound('campaign', id);
      const ids = [id];
      // One after another: they share the transaction's connection.
      const denominations = await queries.denominations(ids);
      const claims = await queries.claimsByDenomination(ids);
      const redemptions = await queries.redemptionsByDenomination(ids);
      const shares = await queries.settlementShares(ids);
      const byDay = await queries.byDay(ids, this.config.campaignTimezone);
      const topMerchants = await queries.topMerchants(ids, TOP_MERCHANTS);
      const sumsOf = (d: DenominationRow): Sums => denominationSums(d, claims.get(d.id), redemptions.get(d.id));
      const rounds = groupSums(denominations, (d) => d.roundId, sumsOf);
      const roundOf = new Map(denominations.map((d) => [d.roundId, d]));
      return {
        ...headline(campaign, rounds.values(), shares.get(id)),
        timeZone: this.config.campaignTimezone,
        generatedAt: new Date().toISOString(),
        byRound: [...rounds].map(([roundId, sums]) => ({
          roundId,
          name: roundOf.get(roundId)!.roundName,
          claimOpensAt: roundOf.get(roundId)!.claimOpensAt.toISOString(),
          ...toFigures(sums),
        })),
        byDenomination: denominations.map((d) => ({
          denominationId: d.id,
          roundId: d.roundId,
          faceValue: d.faceValue,
          minSpend: d.minSpend,
          ...toFigures(sumsOf(d)),
        })),
        byDay,
        topMerchants,
      };
    });
  }

  async overview(): Promise<OverviewStats> {
    return this.snapshot(async (queries) => {
      const campaigns = await queries.campaigns();
      const ids = campaigns.map((c) => c.id);
      const denominations = await queries.denominations(ids);
      const claims = await queries.claimsByDenomination(ids);
      const redemptions = await queries.redemptionsByDenomination(ids);
      const shares = await queries.settlementShares(ids);
      const totals = await queries.settlementTotals();
      const byDay = await queries.byDay(ids, this.config.campaignTimezone);
      const topMerchants = await queries.topMerchants(ids, TOP_MERCHANTS);
      const byCampaign = groupSums(
        denominations,
        (d) => d.campaignId,
        (d) => denominationSums(d, claims.get(d.id), redemptions.get(d.id)),
      );
      const all = [...byCampaign.values()].reduce(addSums, ZERO_SUMS);
      return {
        timeZone: this.config.campaignTimezone,
        generatedAt: new Date().toISOString(),
        campaigns: campaigns.map((c) => headline(c, [byCampaign.get(c.id) ?? ZERO_SUMS], shares.get(c.id))),
        total: { budget: campaigns.reduce((sum, c) => sum + c.budget, 0), ...toFigures(all), ...totals },
        byDay,
        topMerchants,
      };
    });
  }

  /** Every query of one report reads the same snapshot, so its figures agree with each other. */
  private snapshot<T>(report: (queries: StatsQueries) => Promise<T>): Promise<T> {
    return this.uow.run(async (manager) => {
      await manager.query(StatsQueries.SNAPSHOT);
      return report(new StatsQueries(manager));
    });
  }
}

function headline(campaign: CampaignRow, parts: Iterable<Sums>, share: SettlementFigures | undefined): CampaignHeadline {
  return {
    id: campaign.id,
    name: campaign.name,
    theme: campaign.theme,
    status: campaign.status,
    budget: campaign.budget,
    ...toFigures([...parts].reduce(addSums, ZERO_SUMS)),
    settled: share?.settled ?? 0,
    paid: share?.paid ?? 0,
  };
}
