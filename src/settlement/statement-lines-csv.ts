import { csvDocument, CsvCell } from '../common/csv';
import { fenToYuan } from '../common/money';
import { lineFigures, STATEMENT_LINE_KINDS, StatementLineKind } from './settlement.rules';

/** One redemption behind a statement's figures, as STATEMENT_REDEMPTION_LINES reads it. */
export interface RedemptionLine {
  kind: Extract<StatementLineKind, 'redemption' | 'reversed_before_settlement' | 'reversal'>;
  redemptionId: string;
  orderRef: string | null;
  redeemedAt: Date;
  reversedAt: Date | null;
  faceValue: string;
}

/** The amounts carried over that a statement records itself. */
export interface CarriedAmounts {
  carriedIn: number;
  carriedForward: number;
}

export const STATEMENT_LINE_COLUMNS = [
  'kind',
  'redemption_id',
  'order_ref',
  'redeemed_at',
  'reversed_at',
  'face_value_fen',
  'gross_fen',
  'deduction_fen',
  'net_fen',
  'gross_yuan',
  'deduction_yuan',
  'net_yuan',
] as const;

interface Line {
  kind: StatementLineKind;
  amount: number;
  redemption?: RedemptionLine;
}

/**
 * A statement's lines.csv: the carried-in amount, each redemption settled in it, each one
 * reversed before it was settled, each reversal deducted, and the carried-forward amount, in
 * that order. The gross_fen, deduction_fen and net_fen columns add up to the statement's own
 * gross, deductions and net (lineFigures); a carried amount of 0 has no line.
 */
export function statementLinesCsv(carried: CarriedAmounts, redemptions: readonly RedemptionLine[]): string {
  const lines: Line[] = [
    { kind: 'carried_in', amount: carried.carriedIn },
    ...redemptions.map((redemption) => ({ kind: redemption.kind, amount: Number(redemption.faceValue), redemption })),
    { kind: 'carried_forward', amount: carried.carriedForward },
  ];
  const rank = (kind: StatementLineKind) => STATEMENT_LINE_KINDS.indexOf(kind);
  const rows = lines
    .filter((line) => line.redemption || line.amount > 0)
    // Array.prototype.sort is stable: within a kind, the query's time order stays.
    .sort((a, b) => rank(a.kind) - rank(b.kind))
    .map(({ kind, amount, redemption }): CsvCell[] => {
      const figures = lineFigures(kind, amount);
      return [
        kind,
        redemption?.redemptionId,
        redemption?.orderRef,
        redemption?.redeemedAt.toISOString(),
        redemption?.reversedAt?.toISOString(),
        redemption?.faceValue,
        figures.gross,
        figures.deduction,
        figures.net,
        fenToYuan(figures.gross),
        fenToYuan(figures.deduction),
        fenToYuan(figures.net),
      ];
    });
  return csvDocument(STATEMENT_LINE_COLUMNS, rows);
}
