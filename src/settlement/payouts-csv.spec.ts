import { payoutLines, payoutsCsv } from './payouts-csv';

describe('payouts CSV', () => {
  it('starts with a BOM and a header, CRLF line ends, Chinese intact, amounts in yuan', () => {
    const text = payoutsCsv([
      {
        merchantName: '老王,烧烤',
        bankName: '中国银行',
        accountName: '王"老板"',
        accountNumber: '6222021234567890123',
        net: '123405',
        statementId: 's1',
      },
    ]);
    expect(text).toBe(
      '\uFEFFmerchant,bank,account_holder,account_number,amount_yuan,statement_id\r\n' +
        '"老王,烧烤",中国银行,"王""老板""",6222021234567890123,1234.05,s1\r\n',
    );
  });

  it('writes a merchant or holder name that is a formula as inert text', () => {
    const text = payoutsCsv([
      {
        merchantName: '=HYPERLINK("http://x","y")',
        bankName: '@bank',
        accountName: '+holder',
        accountNumber: '1',
        net: 100,
        statementId: 's1',
      },
    ]);
    expect(text.split('\r\n')[1]).toBe(`"'=HYPERLINK(""http://x"",""y"")",'@bank,'+holder,1,1.00,s1`);
  });
});

describe('payout lines', () => {
  const payee = (merchantName: string, held = false) => ({ merchantName, bankName: 'B', accountName: 'A', accountNumber: '1', held });

  it('leaves out held merchants and orders the rest by merchant name', () => {
    const payees = new Map([
      ['m1', payee('Zhang')],
      ['m2', payee('Li', true)],
      ['m3', payee('Chen')],
    ]);
    const lines = payoutLines(
      [
        { statementId: 's1', merchantId: 'm1', net: '100' },
        { statementId: 's2', merchantId: 'm2', net: '200' },
        { statementId: 's3', merchantId: 'm3', net: '300' },
      ],
      payees,
    );
    expect(lines.map((line) => [line.merchantName, line.statementId, line.net])).toEqual([
      ['Chen', 's3', '300'],
      ['Zhang', 's1', '100'],
    ]);
  });

  it('refuses to write a file with a statement whose payee is unknown', () => {
    expect(() => payoutLines([{ statementId: 's1', merchantId: 'gone', net: '1' }], new Map())).toThrow('no payee');
  });
});
