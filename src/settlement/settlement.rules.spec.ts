import { statementAmounts } from './settlement.rules';

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
