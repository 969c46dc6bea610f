import { addSums, denominationSums, groupSums, leverage, redemptionRate, toFigures, ZERO_SUMS } from './stats.figures';
import type { DenominationRow } from './stats.queries';

describe('statistics figures', () => {
  it('has no leverage while no subsidy was redeemed, and no rate while nothing was claimed', () => {
    expect(leverage(0, 0)).toBeNull();
    expect(leverage(150000, 50000)).toBe(3);
    expect(redemptionRate(0, 0)).toBeNull();
    expect(redemptionRate(1, 4)).toBe(0.25);
  });

  it('derives ratios and what is left from sums, never by adding ratios', () => {
    const a = {
      ...ZERO_SUMS,
      allocated: 10000,
      quantity: 10,
      claimed: 4,
      claimedValue: 4000,
      redeemed: 1,
      subsidy: 1000,
      salesDriven: 9000,
    };
    const b = {
      ...ZERO_SUMS,
      allocated: 20000,
      quantity: 4,
      claimed: 4,
      claimedValue: 20000,
      redeemed: 3,
      subsidy: 15000,
      salesDriven: 30000,
    };
    const total = toFigures(addSums(a, b));
    expect(total).toMatchObject({ claimed: 8, redeemed: 4, subsidy: 16000, remaining: 6, redemptionRate: 0.5, leverage: 39000 / 16000 });
  });

  it('counts stock given back by a closed round as returned, neither allocated nor left to claim', () => {
    const closed = { faceValue: 1000, quantity: 10, returnedQuantity: 6 } as DenominationRow;
    expect(toFigures(denominationSums(closed, { claimed: 4, claimedValue: 4000 }))).toMatchObject({
      quantity: 10,
      allocated: 4000,
      returnedQuantity: 6,
      returned: 6000,
      remaining: 0,
    });
  });

  it('groups in the order keys first appear', () => {
    const groups = groupSums(
      ['x', 'y', 'x'],
      (k) => k,
      () => ({ ...ZERO_SUMS, claimed: 1 }),
    );
    expect([...groups].map(([k, s]) => [k, s.claimed])).toEqual([
      ['x', 2],
      ['y', 1],
    ]);
  });
});
