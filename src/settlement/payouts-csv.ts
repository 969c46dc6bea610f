import { fenToYuan } from './settlement.rules';

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

/** UTF-8 byte order mark: Excel otherwise opens the file as the local code page and garbles Chinese names. */
export const UTF8_BOM = '\uFEFF';

/** RFC 4180: a field is quoted when it holds a comma, a quote, CR or LF; quotes inside are doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** The bank payout file: BOM, a header line, then one CRLF-terminated line per payout. */
export function payoutsCsv(lines: Iterable<PayoutLine>): string {
  let text = UTF8_BOM + csvLine(PAYOUT_COLUMNS);
  for (const line of lines) {
    text += csvLine([line.merchantName, line.bankName, line.accountName, line.accountNumber, fenToYuan(line.net), line.statementId]);
  }
  return text;
}
