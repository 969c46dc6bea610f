import { validityFromClaim } from './voucher.rules';

const at = (iso: string): Date => new Date(iso);
const until = (claimedAt: string, days: number, zone: string): string =>
  validityFromClaim(at(claimedAt), days, zone).validUntil.toISOString();

describe('validity counted from the claim', () => {
  it('starts at the claim itself', () => {
    expect(validityFromClaim(at('2026-03-10T09:30:00+08:00'), 7, 'Asia/Shanghai').validFrom).toEqual(at('2026-03-10T09:30:00+08:00'));
  });

  it('ends with the Nth day after the claim day in Asia/Shanghai, whatever the hour of the claim', () => {
    expect(until('2026-03-10T00:00:00+08:00', 1, 'Asia/Shanghai')).toBe(at('2026-03-12T00:00:00+08:00').toISOString());
    expect(until('2026-03-10T23:59:59.999+08:00', 1, 'Asia/Shanghai')).toBe(at('2026-03-12T00:00:00+08:00').toISOString());
    expect(until('2026-03-10T09:30:00+08:00', 7, 'Asia/Shanghai')).toBe(at('2026-03-18T00:00:00+08:00').toISOString());
  });

  it('takes the calendar day of the zone, not of UTC', () => {
    // 2026-03-10 20:00 UTC is already 11 March in Shanghai.
    expect(until('2026-03-10T20:00:00Z', 1, 'Asia/Shanghai')).toBe(at('2026-03-13T00:00:00+08:00').toISOString());
  });

  it('counts calendar days across the end of daylight saving (America/New_York, 1 November 2026)', () => {
    // Claimed before the change (EDT, -04:00); the end falls after it (EST, -05:00): 25-hour day included.
    expect(until('2026-10-31T12:00:00-04:00', 1, 'America/New_York')).toBe(at('2026-11-02T00:00:00-05:00').toISOString());
    expect(until('2026-10-31T23:30:00-04:00', 2, 'America/New_York')).toBe(at('2026-11-03T00:00:00-05:00').toISOString());
    // Claimed in the repeated hour, on the day of the change itself.
    expect(until('2026-11-01T01:30:00-05:00', 1, 'America/New_York')).toBe(at('2026-11-03T00:00:00-05:00').toISOString());
  });

  it('counts calendar days across the start of daylight saving (Europe/Berlin, 29 March 2026)', () => {
    expect(until('2026-03-28T10:00:00+01:00', 1, 'Europe/Berlin')).toBe(at('2026-03-30T00:00:00+02:00').toISOString());
  });

  it('counts calendar days across the end of daylight saving (Europe/Berlin, 25 October 2026)', () => {
    expect(until('2026-10-24T22:00:00+02:00', 1, 'Europe/Berlin')).toBe(at('2026-10-26T00:00:00+01:00').toISOString());
    expect(until('2026-10-25T02:30:00+01:00', 366, 'Europe/Berlin')).toBe(at('2027-10-27T00:00:00+02:00').toISOString());
  });
});
