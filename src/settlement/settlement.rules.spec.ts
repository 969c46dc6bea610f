import { csvField, payoutsCsv } from './payouts-csv';
import { fenToYuan, statementAmounts } from './settlement.rules';

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

describe('fenToYuan', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [100, '1.00'],
    [123456, '1234.56'],
    ['9007199254740993', '90071992547409.93'],
    [-250, '-2.50'],
  ])('%s fen is %s yuan', (fen, yuan) => {
    expect(fenToYuan(fen)).toBe(yuan);
  });
});

describe('payouts CSV', () => {
  it('quotes only what needs quoting and doubles quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });

  it('starts with a BOM and a header, CRLF line ends, Chinese intact', () => {
    const text = payoutsCsv([
      {
        merchantName: '老王,烧烤',
        bankName: '中国银行',
        accountName: '王"老板"',
        accountNumber: '6222021234567890123',
        net: 123405,
        statementId: 's1',
      },
    ]);
    expect(text).toBe(
      '\uFEFFmerchant,bank,account_holder,account_number,amount_yuan,statement_id\r\n' +
        '"老王,烧烤",中国银行,"王""老板""",6222021234567890123,1234.05,s1\r\n',
    );
  });
});
