import { payoutsCsv } from './payouts-csv';

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
