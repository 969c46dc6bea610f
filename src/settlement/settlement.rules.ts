/**
 * The arithmetic of a statement. Deductions are what the merchant owes back (reversals of
 * redemptions paid in an earlier statement, plus what the previous statement could not
 * deduct); they are taken from this statement's gross, never below zero, and what does not
 * fit is carried forward to the merchant's next statement.
 */
export interface StatementInput {
  /** Σ face value of the redemptions settled now. */
  gross: number;
  /** Σ face value of the reversals of earlier-settled redemptions deducted now. */
  reversed: number;
  /** The previous statement's carried_forward. */
  carriedIn: number;
}

export interface StatementAmounts {
  gross: number;
  deductions: number;
  net: number;
  carriedForward: number;
}

export function statementAmounts({ gross, reversed, carriedIn }: StatementInput): StatementAmounts {
  const owed = reversed + carriedIn;
  const deductions = Math.min(gross, owed);
  return { gross, deductions, net: gross - deductions, carriedForward: owed - deductions };
}

/** Integer fen → "1234.05" yuan, exactly (no floating point). Accepts the bigint text PostgreSQL returns. */
export function fenToYuan(fen: number | string | bigint): string {
  const value = BigInt(fen);
  const sign = value < 0n ? '-' : '';
  const magnitude = value < 0n ? -value : value;
  return `${sign}${magnitude / 100n}.${(magnitude % 100n).toString().padStart(2, '0')}`;
}
