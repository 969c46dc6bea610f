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
