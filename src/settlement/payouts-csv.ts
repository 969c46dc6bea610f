import { csvDocument } from '../common/csv';
import { fenToYuan } from '../common/money';
import type { Payee } from './payees';

export interface PayoutLine {
  merchantName: string;
  bankName: string;
  accountName: string;
  /** The full number: the one place it is not masked is the bank transfer file. */
  accountNumber: string;
  net: number | string;
  statementId: string;
}

/**
 * The bank file's lines: one per approved statement with a positive net, leaving out merchants
 * finance holds (they are not paid until released), in merchant-name order.
 */
export function payoutLines(
  statements: ReadonlyArray<{ statementId: string; merchantId: string; net: number | string }>,
  payees: ReadonlyMap<string, Payee>,
): PayoutLine[] {
  const lines: PayoutLine[] = [];
  for (const statement of statements) {
    const payee = payees.get(statement.merchantId);
    // Statements reference their merchant by foreign key, and merchants are never deleted.
    if (!payee) throw new Error(`no payee for merchant ${statement.merchantId} of statement ${statement.statementId}`);
    if (payee.held) continue;
    const { merchantName, bankName, accountName, accountNumber } = payee;
    lines.push({ merchantName, bankName, accountName, accountNumber, net: statement.net, statementId: statement.statementId });
  }
  return lines.sort((a, b) =>
    a.merchantName < b.merchantName ? -1 : a.merchantName > b.merchantName ? 1 : a.statementId < b.statementId ? -1 : 1,
  );
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
