import { csvDocument } from '../common/csv';
import { fenToYuan } from '../common/money';

export interface PayoutLine {
  merchantName: string;
  bankName: string;
  accountName: string;
  /** The full number: the one place it is not masked is the bank transfer file. */
  accountNumber: string;
  net: number | string;
  statementId: string;
}

export const PAYOUT_COLUMNS = ['merchant', 'bank', 'account_holder', 'account_number', 'amount_yuan', 'statement_id'] as const;

/** The bank payout file: a header line, then one line per payout, written by the one CSV writer. */
export function payoutsCsv(lines: Iterable<PayoutLine>): string {
  const rows = Array.from(lines, (line) => [
    line.merchantName,
    line.bankName,
    line.accountName,
    line.accountNumber,
    fenToYuan(line.net),
    line.statementId,
  ]);
  return csvDocument(PAYOUT_COLUMNS, rows);
}
