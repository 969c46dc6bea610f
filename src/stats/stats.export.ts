import { CsvCell, csvDocument } from '../common/csv';
import { fenToYuan } from '../common/money';
import type { Figures } from './stats.figures';
import type { CampaignStats } from './stats.service';

/** Column names are English identifiers so that spreadsheets and scripts can address them. */
const COLUMNS = [
  'section',
  'id',
  'name',
  'date',
  'round_id',
  'face_value_yuan',
  'min_spend_yuan',
  'quantity',
  'budget_yuan',
  'allocated_yuan',
  'claimed',
  'claimed_value_yuan',
  'redeemed',
  'subsidy_yuan',
  'sales_driven_yuan',
  'leverage',
  'redemption_rate',
  'remaining',
  'settled_yuan',
  'paid_yuan',
] as const;
type Column = (typeof COLUMNS)[number];
type Row = Partial<Record<Column, CsvCell>>;

/** Ratios (not money) with four decimals; empty when undefined (null), e.g. leverage without subsidy. */
const ratio = (value: number | null): string => (value === null ? '' : value.toFixed(4));
const yuan = (fen: number | undefined): string => (fen === undefined ? '' : fenToYuan(fen));

function figures(f: Partial<Figures>): Row {
  return {
    quantity: f.quantity,
    allocated_yuan: yuan(f.allocated),
    claimed: f.claimed,
    claimed_value_yuan: yuan(f.claimedValue),
    redeemed: f.redeemed,
    subsidy_yuan: yuan(f.subsidy),
    sales_driven_yuan: yuan(f.salesDriven),
    leverage: f.leverage === undefined ? '' : ratio(f.leverage),
    redemption_rate: f.redemptionRate === undefined ? '' : ratio(f.redemptionRate),
    remaining: f.remaining,
  };
}

/**
 * One table, one header: every record has the same columns (RFC 4180); `section` says what
 * a line is (campaign, round, denomination, day, merchant) and columns that do not apply to
 * it are empty. Money is yuan with two decimals, converted from integer fen.
 */
export function campaignStatsCsv(stats: CampaignStats): string {
  const rows: Row[] = [
    {
      section: 'campaign',
      id: stats.id,
      name: stats.name,
      budget_yuan: yuan(stats.budget),
      ...figures(stats),
      settled_yuan: yuan(stats.settled),
      paid_yuan: yuan(stats.paid),
    },
    ...stats.byRound.map((r) => ({ section: 'round', id: r.roundId, name: r.name, date: r.claimOpensAt, ...figures(r) })),
    ...stats.byDenomination.map((d) => ({
      section: 'denomination',
      id: d.denominationId,
      round_id: d.roundId,
      face_value_yuan: yuan(d.faceValue),
      min_spend_yuan: yuan(d.minSpend),
      ...figures(d),
    })),
    ...stats.byDay.map((d) => ({ section: 'day', date: d.date, ...figures(d) })),
    ...stats.topMerchants.map((m) => ({ section: 'merchant', id: m.merchantId, name: m.name, ...figures(m) })),
  ];
  return csvDocument(
    COLUMNS,
    rows.map((row) => COLUMNS.map((column) => row[column])),
  );
}
