import { randomUUID } from 'node:crypto';
import {
  bureauToken,
  insertVoucher,
  loginAs,
  makeCampaign,
  makeMerchant,
  makeRound,
  makeStaff,
  payStatement,
  runSettlement,
} from './support/factories';
import { ApiClient } from './support/http';
import { settlementProblems } from './support/settlement-invariants';
import { bootTestApp, TestApp } from './support/test-app';

/**
 * Issue 13 point 6 (second half), SPEC "Merchant (checkout)": a reversal of a redemption whose
 * subsidy was already paid out stands as pending, the voucher unusable, until the deduction
 * is recovered from a later statement or finance approves the reversal.
 */
describe('pending reversals of paid redemptions', () => {
  let t: TestApp;
  let api: ApiClient;
  let admin: string;
  let finance: string;
  let financeId: string;
  let denominationId: string;

  beforeAll(async () => {
    t = await bootTestApp();
    api = new ApiClient(t.baseUrl);
    admin = await bureauToken(api);
    const member = await makeStaff(api, admin, ['finance']);
    financeId = member.id;
    finance = await loginAs(api, member);
    const campaign = await makeCampaign(api, admin);
    const round = await makeRound(api, admin, campaign.id, { denominations: [{ faceValue: 5000, minSpend: 20000, quantity: 50 }] });
    denominationId = round.denominations[0].id;
  });
  afterAll(() => t.close());

  const redeem = (apiKey: string, code: string) =>
    api.post('/api/v1/redemptions', { code, orderAmount: 25000 }, { token: apiKey, headers: { 'idempotency-key': randomUUID() } });
  const verify = (apiKey: string, code: string) => api.post('/api/v1/vouchers/verify', { code, orderAmount: 25000 }, { token: apiKey });
  const reverse = (apiKey: string, redemptionId: string) =>
    api.post(
      `/api/v1/redemptions/${redemptionId}/reverse`,
      { reason: 'goods returned' },
      { token: apiKey, headers: { 'idempotency-key': randomUUID() } },
    );
  const approve = (redemptionId: string, token = finance) =>
    api.post(`/api/v1/redemptions/${redemptionId}/reversal/approve`, undefined, { token });
  const stored = async (redemptionId: string) =>
    (
      await t.db.query<{ status: string; voucher_status: string; reversal_statement_id: string | null }>(
        `SELECT r.status, v.status AS voucher_status, r.reversal_statement_id FROM redemptions r JOIN vouchers v ON v.id = r.voucher_id WHERE r.id = $1`,
        [redemptionId],
      )
    )[0];
  const auditOf = async (redemptionId: string) =>
    (await api.get(`/api/v1/audit/events?subjectType=redemption&subjectId=${redemptionId}`, { token: admin })).body.items as Array<
      Record<string, any>
    >;

  /** A voucher redeemed at `merchant`, settled and the statement paid; returns the redemption id and the code. */
  async function paidRedemption(merchant: { merchant: { id: string }; apiKey: string }) {
    const voucher = await insertVoucher(t.db, denominationId);
    const redeemed = await redeem(merchant.apiKey, voucher.code);
    expect(redeemed.status).toBe(201);
    const run = await runSettlement(api, finance);
    expect(run.status).toBe('completed');
    const statements = await api.get(`/api/v1/settlements/statements?merchantId=${merchant.merchant.id}&runId=${run.id}`, {
      token: finance,
    });
    expect(statements.body.items).toHaveLength(1);
    await payStatement(api, finance, statements.body.items[0].id);
    return { id: redeemed.body.id as string, code: voucher.code };
  }

  it('keeps the voucher unusable until the next run recovers the deduction, then it can be redeemed elsewhere', async () => {
    const e = await makeMerchant(api, admin);
    const f = await makeMerchant(api, admin);
    const paid = await paidRedemption(e);

    const reversal = await reverse(e.apiKey, paid.id);
    expect(reversal.status).toBe(200);
    expect(reversal.body).toMatchObject({ id: paid.id, status: 'reversal_pending', voucherStatus: 'redeemed' });
    expect(await stored(paid.id)).toEqual({ status: 'reversal_pending', voucher_status: 'redeemed', reversal_statement_id: null });
    expect((await api.get(`/api/v1/merchants/${e.merchant.id}`, { token: finance })).body.outstanding).toBe(5000);

    // Another merchant tries the code: refused, by verify and by redemption alike.
    expect((await verify(f.apiKey, paid.code)).body).toMatchObject({ eligible: false, reason: 'VOUCHER_ALREADY_REDEEMED' });
    const refused = await redeem(f.apiKey, paid.code);
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 409, code: 'VOUCHER_ALREADY_REDEEMED' });
    // Nor can it be reversed a second time.
    const again = await reverse(e.apiKey, paid.id);
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: 'REVERSAL_NOT_ALLOWED' });

    // E earns something the deduction can be recovered from, and the next run deducts it.
    const next = await insertVoucher(t.db, denominationId);
    expect((await redeem(e.apiKey, next.code)).status).toBe(201);
    const run = await runSettlement(api, finance);
    const [statement] = (await api.get(`/api/v1/settlements/statements?merchantId=${e.merchant.id}&runId=${run.id}`, { token: finance }))
      .body.items;
    expect(statement).toMatchObject({ redemptionCount: 1, gross: 5000, reversalCount: 1, deductions: 5000, net: 0 });
    expect(await stored(paid.id)).toEqual({ status: 'reversed', voucher_status: 'claimed', reversal_statement_id: statement.id });
    expect((await api.get(`/api/v1/merchants/${e.merchant.id}`, { token: finance })).body.outstanding).toBe(0);

    // The voucher is the resident's again: F may now take it.
    expect((await verify(f.apiKey, paid.code)).body).toMatchObject({ eligible: true });
    expect((await redeem(f.apiKey, paid.code)).status).toBe(201);

    const events = await auditOf(paid.id);
    expect(events.find((e) => e.action === 'redemption.reversal_pending')).toMatchObject({
      actor: { type: 'merchant', id: e.merchant.id },
      after: { status: 'reversal_pending' },
    });
    expect(events.find((e) => e.action === 'redemption.reversal_completed')).toMatchObject({
      actor: { type: 'system', id: `settlement-run ${run.id}` },
      before: { status: 'reversal_pending', voucherStatus: 'redeemed' },
      after: { status: 'reversed', voucherStatus: 'claimed', reversalStatementId: statement.id },
    });
    expect(await settlementProblems(t.db)).toEqual([]);
  });

  it('gives the voucher back when finance approves, the deduction still recovered once by the next run', async () => {
    const e = await makeMerchant(api, admin);
    const f = await makeMerchant(api, admin);
    const paid = await paidRedemption(e);
    expect((await reverse(e.apiKey, paid.id)).body.status).toBe('reversal_pending');

    const approved = await approve(paid.id);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ id: paid.id, status: 'reversed', voucherStatus: 'claimed' });
    expect(await stored(paid.id)).toEqual({ status: 'reversed', voucher_status: 'claimed', reversal_statement_id: null });
    expect((await api.get(`/api/v1/merchants/${e.merchant.id}`, { token: finance })).body.outstanding).toBe(5000);
    const twice = await approve(paid.id);
    expect({ status: twice.status, code: twice.body.code }).toEqual({ status: 409, code: 'INVALID_STATE' });
    expect((await redeem(f.apiKey, paid.code)).status).toBe(201);

    const run = await runSettlement(api, finance);
    const [statement] = (await api.get(`/api/v1/settlements/statements?merchantId=${e.merchant.id}&runId=${run.id}`, { token: finance }))
      .body.items;
    // Nothing to set it against: the whole deduction carries forward.
    expect(statement).toMatchObject({ reversalCount: 1, gross: 0, deductions: 0, net: 0, carriedForward: 5000 });
    expect(await stored(paid.id)).toMatchObject({ status: 'reversed', reversal_statement_id: statement.id });

    const events = await auditOf(paid.id);
    expect(events.filter((e) => e.action === 'redemption.reversal_approved')).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ type: 'staff', id: financeId }),
        after: expect.objectContaining({ status: 'reversed' }),
      }),
    ]);
    expect(events.filter((e) => e.action === 'redemption.reversal_completed')).toEqual([]);
    expect(await settlementProblems(t.db)).toEqual([]);
  });

  it('reverses an unpaid redemption, settled or not, at once, as before', async () => {
    const merchant = await makeMerchant(api, admin);
    const settledUnpaid = await redeem(merchant.apiKey, (await insertVoucher(t.db, denominationId)).code);
    await runSettlement(api, finance);
    const unsettled = await redeem(merchant.apiKey, (await insertVoucher(t.db, denominationId)).code);
    for (const redemption of [settledUnpaid, unsettled]) {
      const reversal = await reverse(merchant.apiKey, redemption.body.id);
      expect(reversal.body).toMatchObject({ status: 'reversed', voucherStatus: 'claimed' });
    }
    for (const redemption of [settledUnpaid, unsettled]) {
      // A reversal changes money: one event, by the merchant, in the reversal's transaction.
      const events = await auditOf(redemption.body.id);
      expect(events.map((e) => ({ action: e.action, actor: e.actor.type }))).toEqual([
        { action: 'redemption.reversed', actor: 'merchant' },
      ]);
    }
  });

  it('answers 404 for an unknown redemption and 409 INVALID_STATE for one without a pending reversal, changing nothing', async () => {
    const merchant = await makeMerchant(api, admin);
    const voucher = await insertVoucher(t.db, denominationId);
    const redeemed = await redeem(merchant.apiKey, voucher.code);
    const active = await approve(redeemed.body.id);
    expect({ status: active.status, code: active.body.code }).toEqual({ status: 409, code: 'INVALID_STATE' });
    expect(await stored(redeemed.body.id)).toMatchObject({ status: 'active', voucher_status: 'redeemed' });
    const missing = await approve(randomUUID());
    expect({ status: missing.status, code: missing.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
  });
});
