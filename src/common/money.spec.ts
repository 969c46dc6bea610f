import { fenToYuan } from './money';

describe('fenToYuan', () => {
  it.each<[number | string | bigint, string]>([
    [0, '0.00'],
    [5, '0.05'],
    [50, '0.50'],
    [100, '1.00'],
    [123456, '1234.56'],
    [-50, '-0.50'],
    [-123405, '-1234.05'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
    ['9007199254740993', '90071992547409.93'],
    [9007199254740993n, '90071992547409.93'],
  ])('%s fen is %s yuan', (fen, yuan) => {
    expect(fenToYuan(fen)).toBe(yuan);
  });

  it('refuses anything but whole fen', () => {
    expect(() => fenToYuan(1.5)).toThrow(RangeError);
    expect(() => fenToYuan(Number.NaN)).toThrow(RangeError);
    expect(() => fenToYuan('1.5')).toThrow(SyntaxError);
  });
});
