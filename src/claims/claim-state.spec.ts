import { buildRoundState, freeSlots, roundBudgetLeft } from './claim-state';
import { roundKeys } from './claim-keys';
import type { Round } from '../campaigns/round.entity';

describe('claim state arithmetic', () => {
  it('frees every slot not held by a stored voucher', () => {
    expect(freeSlots(5, [])).toEqual([1, 2, 3, 4, 5]);
    expect(freeSlots(5, [2, 5])).toEqual([1, 3, 4]);
    expect(freeSlots(3, [1, 2, 3])).toEqual([]);
  });

  it('withholds a slot for each stored voucher that has none, so remaining = quantity − stored', () => {
    expect(freeSlots(5, [1], 2)).toHaveLength(2);
    expect(freeSlots(2, [1], 5)).toEqual([]);
  });

  it('limits a round to its own allocation of the budget, less what its vouchers committed', () => {
    const round = {
      denominations: [
        { faceValue: 5000, quantity: 10, returnedQuantity: 0 },
        { faceValue: 1000, quantity: 5, returnedQuantity: 0 },
      ],
    } as Round;
    expect(roundBudgetLeft(round, { budget: 1_000_000 }, 0)).toBe(55_000);
    expect(roundBudgetLeft(round, { budget: 1_000_000 }, 15_000)).toBe(40_000);
    expect(roundBudgetLeft(round, { budget: 20_000 }, 15_000)).toBe(5_000);
    expect(roundBudgetLeft(round, { budget: 20_000 }, 25_000)).toBe(0);
    // Stock given back by a close no longer counts as the round's allocation.
    const closed = { denominations: [{ faceValue: 5000, quantity: 10, returnedQuantity: 4 }] } as Round;
    expect(roundBudgetLeft(closed, { budget: 1_000_000 }, 30_000)).toBe(0);
  });

  it('builds the state a reconciliation writes: stock, residents, activity and window', () => {
    const round = {
      id: 'r1',
      claimOpensAt: new Date('2026-01-01T00:00:00Z'),
      claimClosesAt: new Date('2026-01-02T00:00:00Z'),
      perResidentLimit: 2,
      voucherValidFrom: new Date('2026-01-01T00:00:00Z'),
      voucherValidUntil: new Date('2026-02-01T00:00:00Z'),
      voucherValidDays: null,
      status: 'active',
      denominations: [{ id: 'd1', faceValue: 100, minSpend: 500, quantity: 4, returnedQuantity: 0 }],
    } as unknown as Round;
    const state = buildRoundState(
      round,
      { id: 'c1', status: 'active', theme: 'catering', budget: 10_000, endsAt: new Date('2026-12-31T00:00:00Z') },
      { slots: new Map([['d1', [3]]]), unslotted: new Map(), residents: new Map([['alice', [1]]]), faceValue: 100 },
      'g1',
      new Date('2026-01-01T12:00:00Z'),
    );
    expect(state.denominations[0].freeSlots).toEqual([1, 2, 4]);
    expect(state.residents.get('alice')).toBe('1');
    expect(state.budgetLeft).toBe(300);
    expect(state.active).toBe(true);
    expect(state.closesAt).toBe(Date.parse('2026-01-02T00:00:00Z'));
    expect(state.expiresAt).toBe(Date.parse('2026-01-09T00:00:00Z'));
    // A round closed long ago keeps its state for a while after a load, not for no time at all.
    const old = buildRoundState(
      round,
      { id: 'c1', status: 'closed', theme: 'catering', budget: 10_000, endsAt: new Date('2026-12-31T00:00:00Z') },
      { slots: new Map(), unslotted: new Map(), residents: new Map(), faceValue: 0 },
      'g2',
      new Date('2026-06-01T00:00:00Z'),
    );
    expect(old.expiresAt).toBe(Date.parse('2026-06-08T00:00:00Z'));
  });

  it("closes the claim window at the campaign's end when that comes before the round's close", () => {
    const round = {
      id: 'r1',
      claimOpensAt: new Date('2026-01-01T00:00:00Z'),
      claimClosesAt: new Date('2026-01-10T00:00:00Z'),
      perResidentLimit: 1,
      voucherValidFrom: new Date('2026-01-01T00:00:00Z'),
      voucherValidUntil: new Date('2026-02-01T00:00:00Z'),
      voucherValidDays: null,
      status: 'active',
      denominations: [],
    } as unknown as Round;
    const endsEarly = {
      id: 'c1',
      status: 'active' as const,
      theme: 'catering' as const,
      budget: 1,
      endsAt: new Date('2026-01-05T00:00:00Z'),
    };
    const stored = { slots: new Map(), unslotted: new Map(), residents: new Map(), faceValue: 0 };
    expect(buildRoundState(round, endsEarly, stored, 'g', new Date('2026-01-02T00:00:00Z')).closesAt).toBe(
      Date.parse('2026-01-05T00:00:00Z'),
    );
  });

  it('admits nothing to a cancelled or closed round and offers none of its returned stock', () => {
    const round = {
      id: 'r2',
      claimOpensAt: new Date('2026-01-01T00:00:00Z'),
      claimClosesAt: new Date('2026-01-02T00:00:00Z'),
      perResidentLimit: 1,
      voucherValidFrom: null,
      voucherValidUntil: null,
      voucherValidDays: 7,
      status: 'closed',
      denominations: [{ id: 'd1', faceValue: 100, minSpend: 500, quantity: 4, returnedQuantity: 3 }],
    } as unknown as Round;
    const state = buildRoundState(
      round,
      { id: 'c1', status: 'active', theme: 'catering', budget: 10_000, endsAt: new Date('2026-12-31T00:00:00Z') },
      { slots: new Map([['d1', [2]]]), unslotted: new Map(), residents: new Map([['bob', [1]]]), faceValue: 100 },
      'g3',
      new Date('2026-01-01T12:00:00Z'),
    );
    expect(state.active).toBe(false);
    expect(state.denominations[0].freeSlots).toEqual([]);
    expect({ validFrom: state.validFrom, validUntil: state.validUntil, validDays: state.validDays }).toEqual({
      validFrom: '',
      validUntil: '',
      validDays: 7,
    });
  });
});

describe('claim keys', () => {
  it('puts every key of a round in one Redis Cluster hash slot', () => {
    const keys = roundKeys('abc');
    const tags = [keys.meta, keys.residents, keys.slots('d1'), keys.slots('d2')].map((key) => /\{[^}]+\}/.exec(key)?.[0]);
    expect(new Set(tags)).toEqual(new Set(['{round:abc}']));
    expect(roundKeys('other').meta).not.toBe(keys.meta);
  });
});
