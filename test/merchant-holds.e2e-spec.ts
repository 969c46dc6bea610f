import { randomUUID } from 'node:crypto';
import { bureauToken, insertVoucher, loginAs, makeCampaign, makeMerchant, makeRound, makeStaff, runSettlement } from './support/factories';
import { ApiClient } from './support/http';
import { settlementProblems } from './support/settlement-invariants';
import { bootTestApp, TestApp } from './support/test-app';

/**
 * Issue 13 point 4 (second half), SPEC "Settlement": while finance holds a merchant, settlement
 * runs leave its redemptions and reversals out; the first run after the release takes them,
 * once. Redemption goes on; reversal does not.
 */
describe('merchant holds', () => {
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

  const redeem = async (apiKey: string) => {
    const voucher = await insertVoucher(t.db, denominationId);
    const answer = await api.post(
      '/api/v1/redemptions',
      { code: voucher.code, orderAmount: 25000 },
      { token: apiKey, headers: { 'idempotency-key': randomUUID() } },
    );
    expect(answer.status).toBe(201);
    return answer.body as { id: string; voucherId: string };
  };
  const reverse = (apiKey: string, redemptionId: string) =>
    api.post(
      `/api/v1/redemptions/${redemptionId}/reverse`,
      { reason: 'goods returned' },
      { token: apiKey, headers: { 'idempotency-key': randomUUID() } },
    );
  const hold = (merchantId: string, reason = 'cash-out pattern under review') =>
    api.post(`/api/v1/merchants/${merchantId}/hold`, { reason }, { token: finance });
  const release = (merchantId: string) => api.post(`/api/v1/merchants/${merchantId}/release`, undefined, { token: finance });
  const statementsOf = async (merchantId: string) =>
    (await api.get(`/api/v1/settlements/statements?merchantId=${merchantId}`, { token: finance })).body.items as Array<Record<string, any>>;
  const links = (ids: string[]) =>
    t.db.query<{ id: string; settlement_statement_id: string | null; reversal_statement_id: string | null }>(
      `SELECT id, settlement_statement_id, reversal_statement_id FROM redemptions WHERE id = ANY($1::uuid[]) ORDER BY id`,
      [ids],
    );

  it('leaves a held merchant out of runs, settles everything it kept back in the first run after the release, once', async () => {
    const held = await makeMerchant(api, admin);
    const other = await makeMerchant(api, admin);

    // Settled before the hold, then reversed: a deduction the hold must keep back too.
    const early = await redeem(held.apiKey);
    await runSettlement(api, finance);
    expect((await reverse(held.apiKey, early.id)).status).toBe(200);
    const before = await redeem(held.apiKey);

    const placed = await hold(held.merchant.id);
    expect(placed.status).toBe(200);
    expect(placed.body.hold).toEqual({ reason: 'cash-out pattern under review', since: expect.any(String) });
    expect((await api.get(`/api/v1/merchants/${held.merchant.id}`, { token: finance })).body.hold).toEqual(placed.body.hold);

    // Redemption goes on while held; the other merchant is not affected.
    const during = await redeem(held.apiKey);
    const othersRedemption = await redeem(other.apiKey);

    const runWhileHeld = await runSettlement(api, finance);
    expect(runWhileHeld.status).toBe('completed');
    expect((await statementsOf(held.merchant.id)).map((s) => s.runId)).not.toContain(runWhileHeld.id);
    expect(await statementsOf(other.merchant.id)).toEqual([
      expect.objectContaining({ runId: runWhileHeld.id, redemptionCount: 1, gross: 5000 }),
    ]);
    expect((await links([early.id]))[0]).toMatchObject({ settlement_statement_id: expect.any(String), reversal_statement_id: null });
    for (const row of await links([before.id, during.id])) expect(row.settlement_statement_id).toBeNull();

    const lifted = await release(held.merchant.id);
    expect(lifted.status).toBe(200);
    expect(lifted.body.hold).toBeNull();

    const runAfter = await runSettlement(api, finance);
    const [afterRelease] = (await statementsOf(held.merchant.id)).filter((s) => s.runId === runAfter.id);
    expect(afterRelease).toMatchObject({ redemptionCount: 2, gross: 10000, reversalCount: 1, deductions: 5000, net: 5000 });
    for (const row of await links([before.id, during.id])) expect(row.settlement_statement_id).toBe(afterRelease.id);
    expect((await links([early.id]))[0].reversal_statement_id).toBe(afterRelease.id);
    expect((await links([othersRedemption.id]))[0].settlement_statement_id).not.toBe(afterRelease.id);

    // Once: a later run finds nothing more for the merchant.
    const later = await runSettlement(api, finance);
    expect((await statementsOf(held.merchant.id)).filter((s) => s.runId === later.id)).toEqual([]);
    expect(await settlementProblems(t.db)).toEqual([]);
  });

  it('pays a held merchant nothing: its approved statement stays out of the payouts file and cannot be marked paid until the release', async () => {
    const merchant = await makeMerchant(api, admin);
    await redeem(merchant.apiKey);
    const run = await runSettlement(api, finance);
    const [statement] = (await statementsOf(merchant.merchant.id)).filter((s) => s.runId === run.id);
    expect((await api.post(`/api/v1/settlements/statements/${statement.id}/approve`, undefined, { token: finance })).status).toBe(200);
    const payoutsFile = async () => (await api.get(`/api/v1/settlements/runs/${run.id}/payouts.csv`, { token: finance })).text;
    expect(await payoutsFile()).toContain(statement.id);

    expect((await hold(merchant.merchant.id)).status).toBe(200);
    expect(await payoutsFile()).not.toContain(statement.id);
    const refused = await api.post(`/api/v1/settlements/statements/${statement.id}/paid`, { bankReference: 'B-HELD' }, { token: finance });
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 409, code: 'INVALID_STATE' });
    const [row] = await t.db.query<{ status: string }>(`SELECT status FROM settlement_statements WHERE id = $1`, [statement.id]);
    expect(row.status).toBe('approved');

    expect((await release(merchant.merchant.id)).status).toBe(200);
    expect(await payoutsFile()).toContain(statement.id);
    expect(
      (await api.post(`/api/v1/settlements/statements/${statement.id}/paid`, { bankReference: 'B-OK' }, { token: finance })).status,
    ).toBe(200);
  });

  it('refuses a held merchant a reversal (403 MERCHANT_NOT_ELIGIBLE), changing nothing, and allows it after the release', async () => {
    const merchant = await makeMerchant(api, admin);
    const redemption = await redeem(merchant.apiKey);
    expect((await hold(merchant.merchant.id)).status).toBe(200);

    const refused = await reverse(merchant.apiKey, redemption.id);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('MERCHANT_NOT_ELIGIBLE');
    const [row] = await t.db.query<{ status: string; voucher_status: string }>(
      `SELECT r.status, v.status AS voucher_status FROM redemptions r JOIN vouchers v ON v.id = r.voucher_id WHERE r.id = $1`,
      [redemption.id],
    );
    expect(row).toEqual({ status: 'active', voucher_status: 'redeemed' });

    expect((await release(merchant.merchant.id)).status).toBe(200);
    expect((await reverse(merchant.apiKey, redemption.id)).status).toBe(200);
  });

  it('answers 409 INVALID_STATE to holding a held merchant or releasing one not held, 404 and 400 to bad requests, changing nothing', async () => {
    const merchant = await makeMerchant(api, admin);
    const id = merchant.merchant.id;
    const notHeld = await release(id);
    expect({ status: notHeld.status, code: notHeld.body.code }).toEqual({ status: 409, code: 'INVALID_STATE' });

    expect((await hold(id, 'first reason')).status).toBe(200);
    const twice = await hold(id, 'second reason');
    expect({ status: twice.status, code: twice.body.code }).toEqual({ status: 409, code: 'INVALID_STATE' });
    for (const body of [{}, { reason: '' }, { reason: 7 }, { reason: 'x'.repeat(501) }, { reason: 'ok', extra: 1 }]) {
      const bad = await api.post(`/api/v1/merchants/${id}/hold`, body, { token: finance });
      expect({ body, status: bad.status, code: bad.body.code }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
    }
    const missing = await api.post(`/api/v1/merchants/${randomUUID()}/hold`, { reason: 'x' }, { token: finance });
    expect({ status: missing.status, code: missing.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });

    const [stored] = await t.db.query<{ hold_reason: string; held_by: string }>(
      `SELECT hold_reason, held_by FROM merchants WHERE id = $1`,
      [id],
    );
    expect(stored).toEqual({ hold_reason: 'first reason', held_by: financeId });
  });

  it('holds a merchant once when finance holds it from many requests at the same time', async () => {
    const merchant = await makeMerchant(api, admin);
    const answers = await Promise.all(Array.from({ length: 8 }, (_, n) => hold(merchant.merchant.id, `reason ${n}`)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    const [events] = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'merchant.held' AND subject_id = $1`,
      [merchant.merchant.id],
    );
    expect(events.n).toBe(1);
  });

  it('records merchant.held and merchant.released with the finance member as actor', async () => {
    const merchant = await makeMerchant(api, admin);
    const id = merchant.merchant.id;
    expect((await hold(id, 'audit me')).status).toBe(200);
    expect((await release(id)).status).toBe(200);
    const events = await api.get(`/api/v1/audit/events?subjectType=merchant&subjectId=${id}`, { token: admin });
    expect(events.status).toBe(200);
    const byAction = (action: string) => (events.body.items as Array<Record<string, any>>).find((e) => e.action === action);
    expect(byAction('merchant.held')).toMatchObject({
      actor: { type: 'staff', id: financeId },
      before: { hold: null },
      after: { hold: { reason: 'audit me' }, heldBy: financeId },
    });
    expect(byAction('merchant.released')).toMatchObject({
      actor: { type: 'staff', id: financeId },
      before: { hold: { reason: 'audit me' }, heldBy: financeId },
      after: { hold: null, heldBy: null },
    });
  });
});
