import { decideHoldChange } from './merchant.rules';

describe('decideHoldChange', () => {
  const held = { heldAt: new Date('2026-01-05T08:00:00+08:00') };
  const free = { heldAt: null };

  it('holds a merchant that is not held, and releases a held one', () => {
    expect(decideHoldChange(free, 'hold')).toEqual({ allowed: true });
    expect(decideHoldChange(held, 'release')).toEqual({ allowed: true });
  });

  it('refuses to hold a held merchant or release one that is not held', () => {
    expect(decideHoldChange(held, 'hold')).toMatchObject({ allowed: false });
    expect(decideHoldChange(free, 'release')).toMatchObject({ allowed: false });
  });
});
