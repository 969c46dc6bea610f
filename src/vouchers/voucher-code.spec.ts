import { CODE_LENGTH, formatVoucherCode, generateVoucherCode, normaliseVoucherCode } from './voucher-code';
import { effectiveStatus } from './voucher.rules';

describe('voucher codes', () => {
  it('carry at least 80 random bits and never repeat in a large sample', () => {
    expect(CODE_LENGTH * Math.log2(32)).toBeGreaterThanOrEqual(80);
    const sample = new Set(Array.from({ length: 20000 }, generateVoucherCode));
    expect(sample.size).toBe(20000);
  });

  it('use no symbols that are confused when read aloud', () => {
    const symbols = new Set(Array.from({ length: 2000 }, generateVoucherCode).join(''));
    for (const confusing of ['I', 'L', 'O', 'U']) expect(symbols.has(confusing)).toBe(false);
    expect(symbols.size).toBe(32);
  });

  it('are accepted regardless of case, spaces, dashes and look-alikes', () => {
    const code = generateVoucherCode();
    const grouped = formatVoucherCode(code);
    expect(grouped).toMatch(/^([0-9A-Z]{4}-){4}[0-9A-Z]{4}$/);
    expect(normaliseVoucherCode(grouped.toLowerCase())).toBe(code);
    expect(normaliseVoucherCode(` ${grouped.replace(/-/g, ' ')} `)).toBe(code);
    expect(normaliseVoucherCode('0000-1111-2222-3333-444O'.replace('O', 'o'))).toBe('00001111222233334440');
    expect(normaliseVoucherCode('too-short')).toBeUndefined();
    expect(normaliseVoucherCode('!!!!-1111-2222-3333-4444')).toBeUndefined();
  });
});

describe('effective voucher status', () => {
  const now = new Date('2026-05-01T00:00:00Z');
  it('reports a claimed voucher past its validity as expired', () => {
    expect(effectiveStatus({ status: 'claimed', validUntil: new Date('2026-04-30T23:59:59Z') }, now)).toBe('expired');
    expect(effectiveStatus({ status: 'claimed', validUntil: new Date('2026-05-02T00:00:00Z') }, now)).toBe('claimed');
    expect(effectiveStatus({ status: 'redeemed', validUntil: new Date('2026-04-01T00:00:00Z') }, now)).toBe('redeemed');
  });
});
