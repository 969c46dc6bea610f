import {
  breaksFourEyes,
  lineFigures,
  STATEMENT_STATUSES,
  statementAmounts,
  StatementAction,
  StatementState,
  statementTransition,
} from './settlement.rules';

describe('statementAmounts', () => {
  it('pays the gross less the reversals when the gross covers them', () => {
    expect(statementAmounts({ gross: 10000, reversed: 3000, carriedIn: 500 })).toEqual({
      gross: 10000,
      deductions: 3500,
      net: 6500,
      carriedForward: 0,
    });
  });

  it('never goes below zero: what does not fit is carried forward', () => {
    expect(statementAmounts({ gross: 2000, reversed: 5000, carriedIn: 1000 })).toEqual({
      gross: 2000,
      deductions: 2000,
      net: 0,
      carriedForward: 4000,
    });
  });

  it('keeps gross − deductions = net and deductions + carriedForward = reversed + carriedIn', () => {
    for (let i = 0; i < 1000; i++) {
      const input = {
        gross: Math.floor(Math.random() * 1e6),
        reversed: Math.floor(Math.random() * 1e6),
        carriedIn: Math.floor(Math.random() * 1e5),
      };
      const out = statementAmounts(input);
      expect(out.net).toBe(out.gross - out.deductions);
      expect(out.net).toBeGreaterThanOrEqual(0);
      expect(out.deductions + out.carriedForward).toBe(input.reversed + input.carriedIn);
    }
  });
});

describe('statementTransition', () => {
  const at = (status: StatementState['status'], heldFrom: StatementState['heldFrom'] = null, net = 100) => ({ status, heldFrom, net });
  const next = (state: ReturnType<typeof at>, action: StatementAction) => {
    const outcome = statementTransition(state, action);
    return 'next' in outcome ? outcome.next : 'refused';
  };

  it('goes pending → approved → paid', () => {
    expect(next(at('pending'), 'approve')).toEqual({ status: 'approved', heldFrom: null });
    expect(next(at('approved'), 'pay')).toEqual({ status: 'paid', heldFrom: null });
  });

  it('holds a pending or approved statement and releases it to the status it had', () => {
    expect(next(at('pending'), 'hold')).toEqual({ status: 'held', heldFrom: 'pending' });
    expect(next(at('approved'), 'hold')).toEqual({ status: 'held', heldFrom: 'approved' });
    expect(next(at('held', 'pending'), 'release')).toEqual({ status: 'pending', heldFrom: null });
    expect(next(at('held', 'approved'), 'release')).toEqual({ status: 'approved', heldFrom: null });
  });

  it('refuses every other move: nothing skips approval, a held statement is not paid, a paid one is final', () => {
    const allowed = new Set(['pending approve', 'pending hold', 'approved hold', 'approved pay', 'held release']);
    const actions: StatementAction[] = ['approve', 'hold', 'release', 'pay'];
    for (const status of STATEMENT_STATUSES) {
      for (const action of actions) {
        const state = at(status, status === 'held' ? 'approved' : null);
        expect({ status, action, refused: next(state, action) === 'refused' }).toEqual({
          status,
          action,
          refused: !allowed.has(`${status} ${action}`),
        });
      }
    }
  });

  it('refuses to pay an approved statement with nothing to pay, with a reason', () => {
    expect(statementTransition(at('approved', null, 0), 'pay')).toEqual({ refusal: 'has nothing to pay (net 0)' });
  });
});

describe('breaksFourEyes', () => {
  const steps = { requestedBy: 'bureau:a', approvedBy: 'bureau:b' };

  it('refuses the run requester as approver and the approver as payer', () => {
    expect(breaksFourEyes('approve', 'bureau:a', steps)).toBe(true);
    expect(breaksFourEyes('pay', 'bureau:b', steps)).toBe(true);
  });

  it('lets anyone else approve and pay, and anyone approve a scheduled run', () => {
    expect(breaksFourEyes('approve', 'bureau:b', steps)).toBe(false);
    expect(breaksFourEyes('pay', 'bureau:a', steps)).toBe(false);
    expect(breaksFourEyes('approve', 'bureau:a', { requestedBy: 'schedule', approvedBy: null })).toBe(false);
  });

  it('does not apply to holds and releases', () => {
    expect(breaksFourEyes('hold', 'bureau:a', steps)).toBe(false);
    expect(breaksFourEyes('release', 'bureau:b', steps)).toBe(false);
  });
});

describe('lineFigures', () => {
  it('makes the lines of any statement add up to its gross, deductions and net', () => {
    for (let i = 0; i < 1000; i++) {
      const redemptions = Array.from({ length: Math.floor(Math.random() * 5) }, () => 1 + Math.floor(Math.random() * 20000));
      const reversals = Array.from({ length: Math.floor(Math.random() * 5) }, () => 1 + Math.floor(Math.random() * 20000));
      const carriedIn = Math.random() < 0.5 ? 0 : Math.floor(Math.random() * 30000);
      const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
      const statement = statementAmounts({ gross: sum(redemptions), reversed: sum(reversals), carriedIn });
      const lines = [
        lineFigures('carried_in', carriedIn),
        ...redemptions.map((fen) => lineFigures('redemption', fen)),
        lineFigures('reversed_before_settlement', 777),
        ...reversals.map((fen) => lineFigures('reversal', fen)),
        lineFigures('carried_forward', statement.carriedForward),
      ];
      const total = (key: 'gross' | 'deduction' | 'net') => lines.reduce((a, line) => a + line[key], 0);
      expect([total('gross'), total('deduction'), total('net')]).toEqual([statement.gross, statement.deductions, statement.net]);
    }
  });
});
