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

// --- A statement's life after its run wrote it ------------------------------------------

export const STATEMENT_STATUSES = ['pending', 'approved', 'held', 'paid'] as const;
export type StatementStatus = (typeof STATEMENT_STATUSES)[number];
/** What a hold may interrupt, and so what a release returns to. */
export type HoldableStatus = Extract<StatementStatus, 'pending' | 'approved'>;
export type StatementAction = 'approve' | 'hold' | 'release' | 'pay';

export interface StatementState {
  status: StatementStatus;
  /** The status the statement had when it was held; null unless held. */
  heldFrom: HoldableStatus | null;
}

export type Transition = { next: StatementState } | { refusal: string };

/**
 * `pending → approved → paid`, and `held` from pending or approved until released back to
 * the status it had. Only an approved statement with something to pay may be marked paid;
 * a paid statement is final.
 */
export function statementTransition(state: StatementState & { net: number }, action: StatementAction): Transition {
  const refuse = (why: string): Transition => ({ refusal: why });
  switch (action) {
    case 'approve':
      return state.status === 'pending' ? { next: { status: 'approved', heldFrom: null } } : refuse(`is ${state.status}, not pending`);
    case 'hold':
      return state.status === 'pending' || state.status === 'approved'
        ? { next: { status: 'held', heldFrom: state.status } }
        : refuse(`is ${state.status}; only a pending or approved statement can be held`);
    case 'release':
      return state.status === 'held' && state.heldFrom
        ? { next: { status: state.heldFrom, heldFrom: null } }
        : refuse(`is ${state.status}, not held`);
    case 'pay':
      if (state.status !== 'approved') return refuse(`is ${state.status}; only an approved statement can be paid`);
      return state.net > 0 ? { next: { status: 'paid', heldFrom: null } } : refuse('has nothing to pay (net 0)');
  }
}

/** Who took the steps before a statement's approval and payment: principal keys, or null. */
export interface StatementSteps {
  /** Who requested the statement's run (SCHEDULED_REQUESTER for the schedule, a person for none). */
  requestedBy: string | null;
  approvedBy: string | null;
}

/**
 * The four-eyes rule (SPEC "Staff and audit"): the approver is not who requested the run, and
 * whoever marks it paid is not its approver. Holds and releases stop money rather than move
 * it, so one person may do them.
 */
export function breaksFourEyes(action: StatementAction, actor: string, steps: StatementSteps): boolean {
  switch (action) {
    case 'approve':
      return steps.requestedBy === actor;
    case 'pay':
      return steps.approvedBy === actor;
    case 'hold':
    case 'release':
      return false;
  }
}

// --- A statement's lines (lines.csv) ------------------------------------------------------

/**
 * What a statement is made of, one line each. Refunds and finance's voids will be further
 * deductions (kinds `refund`, `void`) that lineFigures counts like `reversal`.
 */
export const STATEMENT_LINE_KINDS = ['carried_in', 'redemption', 'reversed_before_settlement', 'reversal', 'carried_forward'] as const;
export type StatementLineKind = (typeof STATEMENT_LINE_KINDS)[number];

export interface LineFigures {
  gross: number;
  deduction: number;
  net: number;
}

/**
 * How a line of `amount` fen (≥ 0) counts in its statement's gross, deductions and net, so
 * that the lines of a statement add up to its own figures: a redemption is gross; a reversal
 * and the carried-in amount are deductions; the carried-forward amount is the part of those
 * deductions this statement did not take (a negative deduction); a redemption reversed before
 * it was settled counts nowhere.
 */
export function lineFigures(kind: StatementLineKind, amount: number): LineFigures {
  switch (kind) {
    case 'redemption':
      return { gross: amount, deduction: 0, net: amount };
    case 'reversal':
    case 'carried_in':
      return { gross: 0, deduction: amount, net: -amount };
    case 'carried_forward':
      return { gross: 0, deduction: -amount, net: amount };
    case 'reversed_before_settlement':
      return { gross: 0, deduction: 0, net: 0 };
  }
}
