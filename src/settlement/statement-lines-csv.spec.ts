import { statementLinesCsv } from './statement-lines-csv';

describe('statement lines CSV', () => {
  it('lists carried-in, redemptions, reversals, then carried-forward, with signed fen and yuan, skipping carried amounts of 0', () => {
    const at = new Date('2026-03-01T02:00:00.000Z');
    const text = statementLinesCsv({ carriedIn: 0, carriedForward: 250 }, [
      { kind: 'reversal', redemptionId: 'r2', orderRef: null, redeemedAt: at, reversedAt: at, faceValue: '1250' },
      { kind: 'redemption', redemptionId: 'r1', orderRef: 'A,1', redeemedAt: at, reversedAt: null, faceValue: '1000' },
      { kind: 'reversed_before_settlement', redemptionId: 'r3', orderRef: null, redeemedAt: at, reversedAt: at, faceValue: '5' },
    ]);
    expect(text.split('\r\n')).toEqual([
      '\uFEFFkind,redemption_id,order_ref,redeemed_at,reversed_at,face_value_fen,gross_fen,deduction_fen,net_fen,gross_yuan,deduction_yuan,net_yuan',
      'redemption,r1,"A,1",2026-03-01T02:00:00.000Z,,1000,1000,0,1000,10.00,0.00,10.00',
      'reversed_before_settlement,r3,,2026-03-01T02:00:00.000Z,2026-03-01T02:00:00.000Z,5,0,0,0,0.00,0.00,0.00',
      'reversal,r2,,2026-03-01T02:00:00.000Z,2026-03-01T02:00:00.000Z,1250,0,1250,-1250,0.00,12.50,-12.50',
      'carried_forward,,,,,,0,-250,250,0.00,-2.50,2.50',
      '',
    ]);
  });
});
