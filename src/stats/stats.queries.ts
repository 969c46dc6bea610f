import type { EntityManager } from 'typeorm';

/**
 * The reporting SQL of the statistics, in one place.
 *
 * Why this module reads other modules' tables: the statistics are set-based sums over
 * campaigns, denominations, merchants and settlement statements, and over the aggregate
 * ledgers the database keeps up to date from vouchers and redemptions (migration
 * 1764500000000-StatisticsAggregates). Going through each module's service would mean
 * loading rows one by one into memory; a handful of grouped queries answer in milliseconds
 * at a million vouchers. These queries only read.
 *
 * Every query takes the list of campaign ids it reports on (one for a campaign, all for the
 * overview), so both answers come from the same code. Sums come back from PostgreSQL as
 * strings (bigint/numeric) and are turned into numbers here: fen fit a double exactly up to
 * 2^53 (90 trillion yuan).
 */

export interface CampaignRow {
  id: string;
  name: string;
  theme: string;
  status: string;
  budget: number;
}

export interface DenominationRow {
  id: string;
  roundId: string;
  roundName: string;
  claimOpensAt: Date;
  campaignId: string;
  position: number;
  faceValue: number;
  minSpend: number;
  quantity: number;
  /** Stock given back to the budget by a cancelled or closed round. */
  returnedQuantity: number;
}

export interface ClaimSums {
  claimed: number;
  claimedValue: number;
}

export interface RedemptionSums {
  redeemed: number;
  subsidy: number;
  salesDriven: number;
}

export interface DayRow extends ClaimSums, RedemptionSums {
  date: string;
}

export interface MerchantRow extends RedemptionSums {
  merchantId: string;
  name: string;
}

export interface SettlementShare {
  campaignId: string;
  settled: number;
  paid: number;
}

const num = (value: unknown): number => Number(value ?? 0);

/** A bigint or numeric column, or a sum: PostgreSQL hands these over as strings. */
type Bigint = string;

export class StatsQueries {
  constructor(private readonly manager: EntityManager) {}

  /** A consistent snapshot for every query of one report (REPEATABLE READ, read only). */
  static readonly SNAPSHOT = 'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY';

  async campaigns(ids?: string[]): Promise<CampaignRow[]> {
    const rows = await this.manager.query<Array<Omit<CampaignRow, 'budget'> & { budget: Bigint }>>(
      `SELECT id, name, theme, status, budget FROM campaigns
       WHERE $1::uuid[] IS NULL OR id = ANY($1::uuid[])
       ORDER BY created_at, id`,
      [ids ?? null],
    );
    return rows.map((row) => ({ ...row, budget: num(row.budget) }));
  }

  async denominations(campaignIds: string[]): Promise<DenominationRow[]> {
    const rows = await this.manager.query<
      Array<{
        id: string;
        round_id: string;
        round_name: string;
        claim_opens_at: Date;
        campaign_id: string;
        position: number;
        face_value: Bigint;
        min_spend: Bigint;
        quantity: number;
        returned_quantity: number;
      }>
    >(
      `SELECT d.id, d.round_id, r.name AS round_name, r.claim_opens_at, d.campaign_id, d.position, d.face_value, d.min_spend, d.quantity,
              d.returned_quantity
       FROM denominations d JOIN rounds r ON r.id = d.round_id
       WHERE d.campaign_id = ANY($1::uuid[])
       ORDER BY r.claim_opens_at, r.id, d.position`,
      [campaignIds],
    );
    return rows.map((row) => ({
      id: row.id,
      roundId: row.round_id,
      roundName: row.round_name,
      claimOpensAt: row.claim_opens_at,
      campaignId: row.campaign_id,
      position: row.position,
      faceValue: num(row.face_value),
      minSpend: num(row.min_spend),
      quantity: row.quantity,
      returnedQuantity: row.returned_quantity,
    }));
  }

  /** Vouchers stored, per denomination. */
  async claimsByDenomination(campaignIds: string[]): Promise<Map<string, ClaimSums>> {
    const rows = await this.manager.query<Array<{ denomination_id: string; claimed: Bigint; claimed_value: Bigint }>>(
      `SELECT denomination_id, sum(claimed) AS claimed, sum(claimed_value) AS claimed_value
       FROM stats_claims WHERE campaign_id = ANY($1::uuid[]) GROUP BY denomination_id`,
      [campaignIds],
    );
    return new Map(rows.map((row) => [row.denomination_id, { claimed: num(row.claimed), claimedValue: num(row.claimed_value) }]));
  }

  /** Standing (not reversed) redemptions, per denomination. */
  async redemptionsByDenomination(campaignIds: string[]): Promise<Map<string, RedemptionSums>> {
    const rows = await this.manager.query<Array<{ denomination_id: string; redeemed: Bigint; subsidy: Bigint; sales: Bigint }>>(
      `SELECT denomination_id, sum(redeemed) AS redeemed, sum(subsidy) AS subsidy, sum(sales) AS sales
       FROM stats_redemptions WHERE campaign_id = ANY($1::uuid[]) GROUP BY denomination_id`,
      [campaignIds],
    );
    return new Map(
      rows.map((row) => [row.denomination_id, { redeemed: num(row.redeemed), subsidy: num(row.subsidy), salesDriven: num(row.sales) }]),
    );
  }

  /** Claims and standing redemptions per calendar day in `timeZone`, oldest first. */
  async byDay(campaignIds: string[], timeZone: string): Promise<DayRow[]> {
    // A FULL JOIN: a day with claims and no redemptions (or the reverse) has nulls on one side.
    const rows = await this.manager.query<
      Array<{
        date: string;
        claimed: Bigint | null;
        claimed_value: Bigint | null;
        redeemed: Bigint | null;
        subsidy: Bigint | null;
        sales: Bigint | null;
      }>
    >(
      `WITH claims AS (
         SELECT (bucket AT TIME ZONE $2)::date AS day, sum(claimed) AS claimed, sum(claimed_value) AS claimed_value
         FROM stats_claims WHERE campaign_id = ANY($1::uuid[]) GROUP BY 1
       ), redemptions AS (
         SELECT (bucket AT TIME ZONE $2)::date AS day, sum(redeemed) AS redeemed, sum(subsidy) AS subsidy, sum(sales) AS sales
         FROM stats_redemption_buckets WHERE campaign_id = ANY($1::uuid[]) GROUP BY 1
       )
       SELECT to_char(day, 'YYYY-MM-DD') AS date, c.claimed, c.claimed_value, r.redeemed, r.subsidy, r.sales
       FROM claims c FULL JOIN redemptions r USING (day)
       WHERE coalesce(c.claimed, 0) <> 0 OR coalesce(r.redeemed, 0) <> 0
       ORDER BY day`,
      [campaignIds, timeZone],
    );
    return rows.map((row) => ({
      date: row.date,
      claimed: num(row.claimed),
      claimedValue: num(row.claimed_value),
      redeemed: num(row.redeemed),
      subsidy: num(row.subsidy),
      salesDriven: num(row.sales),
    }));
  }

  /** The merchants with the most subsidy redeemed (standing redemptions). */
  async topMerchants(campaignIds: string[], limit: number): Promise<MerchantRow[]> {
    const rows = await this.manager.query<Array<{ merchant_id: string; name: string; redeemed: Bigint; subsidy: Bigint; sales: Bigint }>>(
      `SELECT s.merchant_id, m.name, s.redeemed, s.subsidy, s.sales
       FROM (
         SELECT merchant_id, sum(redeemed) AS redeemed, sum(subsidy) AS subsidy, sum(sales) AS sales
         FROM stats_redemptions WHERE campaign_id = ANY($1::uuid[]) GROUP BY merchant_id
       ) s JOIN merchants m ON m.id = s.merchant_id
       WHERE s.redeemed > 0
       ORDER BY s.subsidy DESC, s.sales DESC, s.merchant_id
       LIMIT $2`,
      [campaignIds, limit],
    );
    return rows.map((row) => ({
      merchantId: row.merchant_id,
      name: row.name,
      redeemed: num(row.redeemed),
      subsidy: num(row.subsidy),
      salesDriven: num(row.sales),
    }));
  }

  /**
   * Each campaign's share of the settlement statements' net (settled) and of the paid ones
   * (paid). A statement pays one merchant for redemptions of possibly several campaigns, so
   * its net is split among the campaigns in proportion to the face value of their
   * redemptions settled in it (the statement's gross); integer fen are shared out by the
   * largest-remainder method (ties by campaign id), so the shares of a statement add up to
   * its net exactly and the campaigns add up to Σ net of all statements.
   */
  async settlementShares(campaignIds: string[]): Promise<Map<string, SettlementShare>> {
    const rows = await this.manager.query<Array<{ campaign_id: string; settled: Bigint; paid: Bigint }>>(
      `WITH weights AS (
         SELECT statement_id, campaign_id, sum(weight) AS weight
         FROM stats_statement_weights
         WHERE statement_id IN (SELECT statement_id FROM stats_statement_weights WHERE campaign_id = ANY($1::uuid[]))
         GROUP BY statement_id, campaign_id
         HAVING sum(weight) > 0
       ), shares AS (
         SELECT w.statement_id, w.campaign_id, s.status, s.net,
                div(s.net::numeric * w.weight, sum(w.weight) OVER statement) AS base,
                mod(s.net::numeric * w.weight, sum(w.weight) OVER statement) AS remainder
         FROM weights w JOIN settlement_statements s ON s.id = w.statement_id
         WINDOW statement AS (PARTITION BY w.statement_id)
       ), ranked AS (
         SELECT campaign_id, status, base,
                row_number() OVER (PARTITION BY statement_id ORDER BY remainder DESC, campaign_id) AS rank,
                net - sum(base) OVER (PARTITION BY statement_id) AS leftover
         FROM shares
       )
       SELECT campaign_id,
              sum(base + CASE WHEN rank <= leftover THEN 1 ELSE 0 END) AS settled,
              coalesce(sum(base + CASE WHEN rank <= leftover THEN 1 ELSE 0 END) FILTER (WHERE status = 'paid'), 0) AS paid
       FROM ranked WHERE campaign_id = ANY($1::uuid[])
       GROUP BY campaign_id`,
      [campaignIds],
    );
    return new Map(rows.map((row) => [row.campaign_id, { campaignId: row.campaign_id, settled: num(row.settled), paid: num(row.paid) }]));
  }

  /** Σ net of every statement, and of the paid ones: the programme's settled and paid. */
  async settlementTotals(): Promise<{ settled: number; paid: number }> {
    const [row] = await this.manager.query<[{ settled: Bigint; paid: Bigint }]>(
      `SELECT coalesce(sum(net), 0) AS settled, coalesce(sum(net) FILTER (WHERE status = 'paid'), 0) AS paid FROM settlement_statements`,
    );
    return { settled: num(row.settled), paid: num(row.paid) };
  }
}
