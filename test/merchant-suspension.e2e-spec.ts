import { randomUUID } from 'node:crypto';
import { bureauToken, insertVoucher, makeCampaign, makeMerchant, makeRound, payStatement, waitForRun } from './support/factories';
import { ApiClient } from './support/http';
import { bootTestApp, TestApp } from './support/test-app';

/**
 * Issue 12 point 13, tried as the attacker would: merchant E redeems a voucher, is settled
 * and paid, is suspended, then tries to reverse so the voucher returns and merchant F can
 * redeem it and be paid a second time.
 */
describe('a suspended merchant', () => {
  let t: TestApp;
  let api: ApiClient;
  let bureau: string;

  beforeAll(async () => {
    t = await bootTestApp();
    api = new ApiClient(t.baseUrl);
    bureau = await bureauToken(api);
  });
  afterAll(() => t.close());

  const redeem = (token: string, code: string) =>
    api.post('/api/v1/redemptions', { code, orderAmount: 25000 }, { token, headers: { 'idempotency-key': randomUUID() } });

  it('may not reverse a settled and paid redemption, so the voucher cannot be paid out twice', async () => {
    const campaign = await makeCampaign(api, bureau);
    const round = await makeRound(api, bureau, campaign.id, { denominations: [{ faceValue: 5000, minSpend: 20000, quantity: 10 }] });
    const e = await makeMerchant(api, bureau);
    const f = await makeMerchant(api, bureau);
    const voucher = await insertVoucher(t.db, round.denominations[0].id);

    const redeemed = await redeem(e.apiKey, voucher.code);
    expect(redeemed.status).toBe(201);
    const started = await api.post('/api/v1/settlements/runs', { cutoff: new Date().toISOString() }, { token: bureau });
    expect(started.status).toBe(202);
    expect(await waitForRun(api, bureau, started.body.id)).toMatchObject({ status: 'completed' });
    const statements = await api.get(`/api/v1/settlements/statements?merchantId=${e.merchant.id}`, { token: bureau });
    expect(statements.body.items).toHaveLength(1);
    expect(await payStatement(api, bureau, statements.body.items[0].id)).toMatchObject({ status: 'paid' });
    expect((await api.patch(`/api/v1/merchants/${e.merchant.id}`, { status: 'suspended' }, { token: bureau })).status).toBe(200);

    const reversal = await api.post(
      `/api/v1/redemptions/${redeemed.body.id}/reverse`,
      { reason: 'customer returned the goods' },
      { token: e.apiKey, headers: { 'idempotency-key': randomUUID() } },
    );
    expect(reversal.status).toBe(403);
    expect(reversal.body.code).toBe('MERCHANT_NOT_ELIGIBLE');
    const [row] = await t.db.query<{ status: string; voucher_status: string }>(
      `SELECT r.status, v.status AS voucher_status FROM redemptions r JOIN vouchers v ON v.id = r.voucher_id WHERE r.id = $1`,
      [redeemed.body.id],
    );
    expect(row).toEqual({ status: 'active', voucher_status: 'redeemed' });

    const second = await redeem(f.apiKey, voucher.code);
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('VOUCHER_ALREADY_REDEEMED');
  });

  it('shows what a merchant owes after reversing a settled redemption, and lists the merchants that owe', async () => {
    const campaign = await makeCampaign(api, bureau);
    const round = await makeRound(api, bureau, campaign.id, { denominations: [{ faceValue: 5000, minSpend: 20000, quantity: 10 }] });
    const g = await makeMerchant(api, bureau);
    const h = await makeMerchant(api, bureau);
    const voucher = await insertVoucher(t.db, round.denominations[0].id);
    const redeemed = await redeem(g.apiKey, voucher.code);
    const started = await api.post('/api/v1/settlements/runs', { cutoff: new Date().toISOString() }, { token: bureau });
    expect(await waitForRun(api, bureau, started.body.id)).toMatchObject({ status: 'completed' });
    expect((await api.get(`/api/v1/merchants/${g.merchant.id}`, { token: bureau })).body.outstanding).toBe(0);
    const reversal = await api.post(
      `/api/v1/redemptions/${redeemed.body.id}/reverse`,
      { reason: 'returned' },
      { token: g.apiKey, headers: { 'idempotency-key': randomUUID() } },
    );
    expect(reversal.status).toBe(200);

    expect((await api.get(`/api/v1/merchants/${g.merchant.id}`, { token: bureau })).body.outstanding).toBe(5000);
    expect((await api.get(`/api/v1/merchants/${h.merchant.id}`, { token: bureau })).body.outstanding).toBe(0);
    const owing = await api.get('/api/v1/merchants?outstanding=true&limit=500', { token: bureau });
    expect(owing.status).toBe(200);
    const ids = owing.body.items.map((m: { id: string }) => m.id);
    expect(ids).toContain(g.merchant.id);
    expect(ids).not.toContain(h.merchant.id);
    expect(owing.body.items.every((m: { outstanding: number }) => m.outstanding > 0)).toBe(true);
    expect((await api.get('/api/v1/merchants?outstanding=yes', { token: bureau })).status).toBe(400);
  });
});
