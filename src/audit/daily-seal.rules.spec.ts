import { dayWindow, daysToSeal, SEAL_DELAY_MS } from './daily-seal.rules';

const zone = 'Asia/Shanghai';

describe('daily seal days', () => {
  it('covers a calendar day of the campaign time zone, also across a daylight-saving change', () => {
    expect(dayWindow('2026-03-01', zone)).toEqual({ from: new Date('2026-02-28T16:00:00Z'), to: new Date('2026-03-01T16:00:00Z') });
    const { from, to } = dayWindow('2026-03-29', 'Europe/Berlin');
    expect(to.getTime() - from.getTime()).toBe(23 * 3600_000);
    expect(() => dayWindow('2026-02-30', zone)).toThrow(RangeError);
  });

  it('seals each ended day once its delay has passed, from the first activity or the day after the last seal', () => {
    const midnight = new Date('2026-03-02T16:00:00Z'); // 2026-03-03 00:00 in Shanghai
    const justBefore = new Date(midnight.getTime() + SEAL_DELAY_MS - 1);
    const justAfter = new Date(midnight.getTime() + SEAL_DELAY_MS);
    const firstActivity = new Date('2026-02-28T17:00:00Z'); // 2026-03-01 01:00 in Shanghai
    expect(daysToSeal({ firstActivity, now: justBefore, zone })).toEqual(['2026-03-01']);
    expect(daysToSeal({ firstActivity, now: justAfter, zone })).toEqual(['2026-03-01', '2026-03-02']);
    expect(daysToSeal({ lastSealed: '2026-03-01', firstActivity, now: justAfter, zone })).toEqual(['2026-03-02']);
    expect(daysToSeal({ lastSealed: '2026-03-02', firstActivity, now: justAfter, zone })).toEqual([]);
  });

  it('seals nothing before there is anything to seal', () => {
    expect(daysToSeal({ now: new Date(), zone })).toEqual([]);
  });
});
