import { DomainError } from '../common/errors/domain-error';
import { assertRoundMay, editedRound, returnedQuantity, RoundBody, roundAllocation } from './round.rules';

const at = (iso: string): Date => new Date(iso);
const opensAt = at('2026-02-01T10:00:00+08:00');
const before = at('2026-02-01T09:59:59.999+08:00');

function codeOf(run: () => void): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).code;
  }
  return undefined;
}

const fixed: RoundBody = {
  name: 'Round',
  claimOpensAt: opensAt,
  claimClosesAt: at('2026-02-03T10:00:00+08:00'),
  perResidentLimit: 1,
  voucherValidFrom: opensAt,
  voucherValidUntil: at('2026-03-01T00:00:00+08:00'),
  voucherValidDays: null,
  denominations: [{ faceValue: 5000, minSpend: 20000, quantity: 100 }],
};

describe('round lifecycle rules', () => {
  it('edits and cancels only before the window opens, closes only from the moment it opened', () => {
    const active = { status: 'active' as const, claimOpensAt: opensAt };
    expect(codeOf(() => assertRoundMay('edit', active, before))).toBeUndefined();
    expect(codeOf(() => assertRoundMay('cancel', active, before))).toBeUndefined();
    expect(codeOf(() => assertRoundMay('close', active, before))).toBe('INVALID_STATE');
    expect(codeOf(() => assertRoundMay('edit', active, opensAt))).toBe('INVALID_STATE');
    expect(codeOf(() => assertRoundMay('cancel', active, opensAt))).toBe('INVALID_STATE');
    expect(codeOf(() => assertRoundMay('close', active, opensAt))).toBeUndefined();
  });

  it('edits and cancels no round with a voucher stored, whatever the clock says; closes it', () => {
    const active = { status: 'active' as const, claimOpensAt: opensAt };
    expect(codeOf(() => assertRoundMay('edit', active, before, 1))).toBe('INVALID_STATE');
    expect(codeOf(() => assertRoundMay('cancel', active, before, 1))).toBe('INVALID_STATE');
    expect(codeOf(() => assertRoundMay('close', active, opensAt, 1))).toBeUndefined();
  });

  it('never moves a cancelled or closed round again', () => {
    for (const status of ['cancelled', 'closed'] as const) {
      for (const action of ['edit', 'cancel', 'close'] as const) {
        for (const now of [before, opensAt]) {
          expect(codeOf(() => assertRoundMay(action, { status, claimOpensAt: opensAt }, now))).toBe('INVALID_STATE');
        }
      }
    }
  });

  it('applies the fields given and keeps the others', () => {
    const denominations = [{ faceValue: 1000, minSpend: 3000, quantity: 7 }];
    expect(editedRound(fixed, { name: 'New', perResidentLimit: 3, denominations })).toEqual({
      ...fixed,
      name: 'New',
      perResidentLimit: 3,
      denominations,
    });
  });

  it('switches between a fixed period and days counted from the claim', () => {
    const relative = editedRound(fixed, { voucherValidDays: 10 });
    expect(relative).toMatchObject({ voucherValidFrom: null, voucherValidUntil: null, voucherValidDays: 10 });
    const back = editedRound(relative, { voucherValidFrom: opensAt, voucherValidUntil: fixed.voucherValidUntil! });
    expect(back).toMatchObject({ voucherValidFrom: opensAt, voucherValidUntil: fixed.voucherValidUntil, voucherValidDays: null });
    // Half a period leaves the other end missing, and both forms at once keep both: the round rules refuse either.
    expect(editedRound(relative, { voucherValidFrom: opensAt })).toMatchObject({ voucherValidUntil: null, voucherValidDays: null });
    expect(editedRound(fixed, { voucherValidDays: 3, voucherValidFrom: opensAt })).toMatchObject({
      voucherValidFrom: opensAt,
      voucherValidDays: 3,
    });
  });

  it('gives back all the stock of a cancelled round and the unclaimed stock of a closed one', () => {
    expect(returnedQuantity('cancel', { quantity: 100 }, 0)).toBe(100);
    expect(returnedQuantity('close', { quantity: 100 }, 37)).toBe(63);
    expect(returnedQuantity('close', { quantity: 100 }, 100)).toBe(0);
  });

  it('allocates face value × stock not given back', () => {
    expect(
      roundAllocation([
        { faceValue: 5000, quantity: 100, returnedQuantity: 63 },
        { faceValue: 1000, quantity: 10, returnedQuantity: 0 },
      ]),
    ).toBe(5000 * 37 + 1000 * 10);
  });
});
