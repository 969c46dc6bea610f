import {
  assessCheckout,
  CheckoutInput,
  decideReversal,
  mayAdjustRedemptions,
  mayApprovePendingReversal,
  reversalStatus,
} from './redemption.rules';

const now = new Date('2026-03-01T12:00:00+08:00');
const DAY = 24 * 3600_000;

function input(overrides: Partial<CheckoutInput> = {}, voucher: Partial<CheckoutInput['voucher']> = {}): CheckoutInput {
  return {
    merchant: { status: 'active', themes: ['catering'] },
    voucher: {
      status: 'claimed',
      theme: 'catering',
      faceValue: 5000,
      minSpend: 20000,
      validFrom: new Date(now.getTime() - DAY),
      validUntil: new Date(now.getTime() + DAY),
      ...voucher,
    },
    orderAmount: 25000,
    now,
    ...overrides,
  };
}

describe('assessCheckout', () => {
  it('discounts the face value and charges the rest', () => {
    expect(assessCheckout(input())).toEqual({ eligible: true, discount: 5000, payable: 20000 });
  });

  it('accepts an order of exactly the minimum spend', () => {
    expect(assessCheckout(input({ orderAmount: 20000 }))).toEqual({ eligible: true, discount: 5000, payable: 15000 });
  });

  it('refuses an order below the minimum spend', () => {
    expect(assessCheckout(input({ orderAmount: 19999 }))).toMatchObject({
      eligible: false,
      reason: 'MIN_SPEND_NOT_MET',
      discount: 0,
      payable: 19999,
    });
  });

  it('refuses a suspended, unknown or not-enrolled merchant before looking at the voucher', () => {
    const redeemed = { status: 'redeemed' as const };
    expect(assessCheckout(input({ merchant: { status: 'suspended', themes: ['catering'] } }, redeemed))).toMatchObject({
      reason: 'MERCHANT_NOT_ELIGIBLE',
    });
    expect(assessCheckout(input({ merchant: undefined }, redeemed))).toMatchObject({ reason: 'MERCHANT_NOT_ELIGIBLE' });
    expect(assessCheckout(input({ merchant: { status: 'active', themes: ['autos'] } }, redeemed))).toMatchObject({
      reason: 'MERCHANT_NOT_ELIGIBLE',
    });
  });

  it('refuses a redeemed voucher', () => {
    expect(assessCheckout(input({}, { status: 'redeemed' }))).toMatchObject({ reason: 'VOUCHER_ALREADY_REDEEMED' });
  });

  it('refuses a voucher past validity, marked expired or not yet', () => {
    expect(assessCheckout(input({}, { validUntil: now }))).toMatchObject({ reason: 'VOUCHER_EXPIRED' });
    expect(assessCheckout(input({}, { status: 'expired' }))).toMatchObject({ reason: 'VOUCHER_EXPIRED' });
  });

  it('refuses a voucher before its validity starts, and accepts it from that instant', () => {
    expect(assessCheckout(input({}, { validFrom: new Date(now.getTime() + 1) }))).toMatchObject({ reason: 'VOUCHER_NOT_VALID_YET' });
    expect(assessCheckout(input({}, { validFrom: now }))).toMatchObject({ eligible: true });
  });
});

describe('decideReversal', () => {
  const redeemedAt = new Date(now.getTime() - 2 * DAY);
  it('allows an active redemption within the window', () => {
    expect(decideReversal({ status: 'active', redeemedAt }, now, 7)).toEqual({ allowed: true });
  });
  it('refuses a reversed redemption, pending or not', () => {
    expect(decideReversal({ status: 'reversed', redeemedAt }, now, 7)).toMatchObject({ allowed: false });
    expect(decideReversal({ status: 'reversal_pending', redeemedAt }, now, 7)).toMatchObject({ allowed: false });
  });
  it('refuses at and after the end of the window', () => {
    expect(decideReversal({ status: 'active', redeemedAt }, now, 2)).toMatchObject({ allowed: false });
    expect(decideReversal({ status: 'active', redeemedAt }, new Date(now.getTime() - 1), 2)).toEqual({ allowed: true });
  });
});

describe('mayAdjustRedemptions', () => {
  it('lets only an active merchant that is not held reverse or refund', () => {
    expect(mayAdjustRedemptions({ status: 'active', heldAt: null })).toEqual({ allowed: true });
    expect(mayAdjustRedemptions({ status: 'suspended', heldAt: null })).toMatchObject({ allowed: false });
    expect(mayAdjustRedemptions({ status: 'active', heldAt: new Date() })).toMatchObject({ allowed: false });
    expect(mayAdjustRedemptions(undefined)).toMatchObject({ allowed: false });
  });
});

describe('reversalStatus', () => {
  it('keeps the voucher back only when the statement was paid out', () => {
    expect(reversalStatus(true)).toBe('reversal_pending');
    expect(reversalStatus(false)).toBe('reversed');
  });
});

describe('mayApprovePendingReversal', () => {
  it('approves only a pending reversal', () => {
    expect(mayApprovePendingReversal({ status: 'reversal_pending' })).toEqual({ allowed: true });
    expect(mayApprovePendingReversal({ status: 'reversed' })).toMatchObject({ allowed: false });
    expect(mayApprovePendingReversal({ status: 'active' })).toMatchObject({ allowed: false });
  });
});
