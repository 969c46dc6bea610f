import type { CampaignView, RoundView } from '../src/campaigns/campaign.view';
import { validityFromClaim } from '../src/vouchers/voucher.rules';
import type { VoucherView } from '../src/vouchers/voucher.view';
import { claimBurst, residentsNamed, tally } from './support/claim-burst';
import { bureauToken, claimAs, insertVouchers, makeCampaign, makeRound, residentToken, roundInput } from './support/factories';
import { ApiClient, ErrorBody } from './support/http';
import { bootTestApp, TestApp } from './support/test-app';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const inMs = (ms: number): string => new Date(Date.now() + ms).toISOString();

/** A round whose claim window opens in an hour (so it may still be edited or cancelled). */
const upcoming = (overrides: Record<string, unknown> = {}) => ({ claimOpensAt: inMs(HOUR), voucherValidFrom: inMs(HOUR), ...overrides });

describe('round edits, cancel and close', () => {
  let t: TestApp;
  let api: ApiClient;
  let bureau: string;

  beforeAll(async () => {
    t = await bootTestApp({ RATE_LIMITS: 'claims.ip=1000000/60' });
    api = new ApiClient(t.baseUrl);
    bureau = await bureauToken(api);
  });
  afterAll(() => t.close());

  const campaignRow = async (id: string) => (await api.get<CampaignView>(`/api/v1/campaigns/${id}`, { token: bureau })).body;
  const patch = (id: string, body: unknown) => api.patch<RoundView>(`/api/v1/rounds/${id}`, body, { token: bureau });
  const act = (id: string, action: 'cancel' | 'close') =>
    api.post<RoundView>(`/api/v1/rounds/${id}/${action}`, undefined, { token: bureau });
  const storedVouchers = async (denominationId: string) =>
    Number((await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM vouchers WHERE denomination_id = $1`, [denominationId]))[0].n);
  const auditActions = async (roundId: string) =>
    (
      await t.db.query<{ action: string }>(
        `SELECT action FROM audit_events WHERE subject_type = 'round' AND subject_id = $1 ORDER BY seq`,
        [roundId],
      )
    ).map((row) => row.action);

  it('edits any field before the window opens, keeping denomination ids by position, and the claim engine follows', async () => {
    const campaign = await makeCampaign(api, bureau, { budget: 100_000 });
    const round = await makeRound(
      api,
      bureau,
      campaign.id,
      upcoming({
        denominations: [
          { faceValue: 1000, minSpend: 5000, quantity: 10 },
          { faceValue: 2000, minSpend: 8000, quantity: 10 },
        ],
      }),
    );
    expect((await campaignRow(campaign.id)).allocated).toBe(30_000);
    const [first, second] = round.denominations;

    // More than the budget: refused, nothing changed.
    const tooMuch = await patch(round.id, { denominations: [{ faceValue: 1000, minSpend: 5000, quantity: 101 }] });
    expect({ status: tooMuch.status, code: (tooMuch.body as unknown as ErrorBody).code }).toEqual({ status: 422, code: 'BUDGET_EXCEEDED' });
    const bothForms = await patch(round.id, { voucherValidDays: 3, voucherValidFrom: inMs(HOUR) });
    expect({ status: bothForms.status, code: (bothForms.body as unknown as ErrorBody).code }).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect((await campaignRow(campaign.id)).allocated).toBe(30_000);

    // Opens now, with three vouchers of the first kind only, two per resident, valid 5 days from the claim.
    const edited = await patch(round.id, {
      name: 'Renamed',
      claimOpensAt: inMs(-MINUTE),
      perResidentLimit: 2,
      voucherValidDays: 5,
      denominations: [{ faceValue: 1500, minSpend: 6000, quantity: 3 }],
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      name: 'Renamed',
      perResidentLimit: 2,
      voucherValidFrom: null,
      voucherValidUntil: null,
      voucherValidDays: 5,
      status: 'active',
      denominations: [{ id: first.id, faceValue: 1500, minSpend: 6000, quantity: 3 }],
    });
    expect((await campaignRow(campaign.id)).allocated).toBe(4500);
    expect(await auditActions(round.id)).toEqual(['round.created', 'round.updated']);

    const gone = await claimAs<ErrorBody>(api, 'someone', second.id);
    expect({ status: gone.status, code: gone.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    const answers = await Promise.all(['a', 'a', 'b', 'c', 'd'].map((resident) => claimAs(api, `edit-${resident}`, first.id)));
    expect(tally(answers)).toEqual({ '201': 3, '409 SOLD_OUT': 2 });
    const view = await api.get<RoundView>(`/api/v1/rounds/${round.id}`);
    expect(view.body.denominations.map((d) => ({ id: d.id, remaining: d.remaining }))).toEqual([{ id: first.id, remaining: 0 }]);

    // Open now: no more edits, and no cancel.
    const late = await patch(round.id, { name: 'Too late' });
    expect({ status: late.status, code: (late.body as unknown as ErrorBody).code }).toEqual({ status: 409, code: 'INVALID_STATE' });
    const cancel = await act(round.id, 'cancel');
    expect({ status: cancel.status, code: (cancel.body as unknown as ErrorBody).code }).toEqual({ status: 409, code: 'INVALID_STATE' });
  });

  it('keeps the budget rule when edits of several rounds race for it', async () => {
    const campaign = await makeCampaign(api, bureau, { budget: 100_000 });
    const rounds = [];
    for (let i = 0; i < 5; i++) {
      rounds.push(
        await makeRound(api, bureau, campaign.id, upcoming({ denominations: [{ faceValue: 1000, minSpend: 5000, quantity: 10 }] })),
      );
    }
    // Each edit adds 20,000 to the 50,000 allocated: only two fit in 100,000.
    const answers = await Promise.all(
      rounds.map((round) => patch(round.id, { denominations: [{ faceValue: 1000, minSpend: 5000, quantity: 30 }] })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 422, 422, 422]);
    const [row] = await t.db.query<{ allocated: string; issued: string }>(
      `SELECT c.allocated, (SELECT sum(face_value * quantity) FROM denominations WHERE campaign_id = c.id) AS issued
         FROM campaigns c WHERE c.id = $1`,
      [campaign.id],
    );
    expect({ allocated: Number(row.allocated), issued: Number(row.issued) }).toEqual({ allocated: 90_000, issued: 90_000 });
  });

  it('cancels before the window opens: the whole allocation goes back, once', async () => {
    const campaign = await makeCampaign(api, bureau, { budget: 50_000 });
    const round = await makeRound(
      api,
      bureau,
      campaign.id,
      upcoming({ denominations: [{ faceValue: 1000, minSpend: 5000, quantity: 50 }] }),
    );
    expect((await campaignRow(campaign.id)).allocated).toBe(50_000);
    const cancelled = await act(round.id, 'cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', returned: 50_000, denominations: [{ returnedQuantity: 50 }] });
    expect(cancelled.body.endedAt).toEqual(expect.any(String));
    expect((await campaignRow(campaign.id)).allocated).toBe(0);
    for (const again of [await act(round.id, 'cancel'), await act(round.id, 'close'), await patch(round.id, { name: 'x' })]) {
      expect({ status: again.status, code: (again.body as unknown as ErrorBody).code }).toEqual({ status: 409, code: 'INVALID_STATE' });
    }
    expect((await campaignRow(campaign.id)).allocated).toBe(0);
    expect(await auditActions(round.id)).toEqual(['round.created', 'round.cancelled']);
    // The budget is free for another round.
    expect(
      (
        await api.post(
          `/api/v1/campaigns/${campaign.id}/rounds`,
          roundInput({ denominations: [{ faceValue: 1000, minSpend: 5000, quantity: 50 }] }),
          { token: bureau },
        )
      ).status,
    ).toBe(201);
  });

  it('neither edits nor cancels a round that already has a voucher, even before its window opens', async () => {
    const campaign = await makeCampaign(api, bureau, { budget: 100_000 });
    const round = await makeRound(
      api,
      bureau,
      campaign.id,
      upcoming({ denominations: [{ faceValue: 1000, minSpend: 5000, quantity: 10 }] }),
    );
    // As if Redis had admitted a claim under a window that opened earlier.
    await insertVouchers(t.db, round.denominations[0].id, [new Date()]);
    for (const refused of [await patch(round.id, { name: 'x' }), await act(round.id, 'cancel')]) {
      expect({ status: refused.status, code: (refused.body as unknown as ErrorBody).code }).toEqual({ status: 409, code: 'INVALID_STATE' });
    }
    expect((await campaignRow(campaign.id)).allocated).toBe(10_000);
  });

  it('refuses to close a round that has not opened', async () => {
    const campaign = await makeCampaign(api, bureau);
    const round = await makeRound(api, bureau, campaign.id, upcoming());
    const close = await act(round.id, 'close');
    expect({ status: close.status, code: (close.body as unknown as ErrorBody).code }).toEqual({ status: 409, code: 'INVALID_STATE' });
  });

  it('closes while hundreds of claims are in flight: none admitted after, exactly the unclaimed face value returned', async () => {
    const quantity = 3000;
    const faceValue = 1000;
    const campaign = await makeCampaign(api, bureau, { budget: quantity * faceValue });
    const round = await makeRound(api, bureau, campaign.id, { denominations: [{ faceValue, minSpend: 5000, quantity }] });
    const denominationId = round.denominations[0].id;

    let closing: Promise<{ answer: Awaited<ReturnType<typeof act>>; storedAtAck: number }> | undefined;
    const answers = await claimBurst([t.baseUrl], residentsNamed('closing', 4000), denominationId, (_, answered) => {
      if (answered === 300) {
        closing = act(round.id, 'close').then(async (answer) => ({ answer, storedAtAck: await storedVouchers(denominationId) }));
      }
    });
    const { answer: closed, storedAtAck } = await closing!;
    expect(closed.status).toBe(200);

    const stored = await storedVouchers(denominationId);
    const counts = tally(answers);
    // The close came mid-burst: some were claimed, some stock was left, the rest refused as not open.
    expect({ counts, storedSome: stored > 0, leftSome: stored < quantity }).toEqual({ counts, storedSome: true, leftSome: true });
    expect(Object.keys(counts).sort()).toEqual(['201', '409 ROUND_NOT_OPEN']);
    // No claim was admitted after the close was acknowledged: every voucher was already stored then.
    expect(storedAtAck).toBe(stored);
    // Every 201 is a stored voucher, and every stored voucher was answered 201.
    const ids = (await t.db.query<{ id: string }>(`SELECT id FROM vouchers WHERE denomination_id = $1`, [denominationId])).map((r) => r.id);
    expect(new Set(answers.filter((a) => a.status === 201).map((a) => a.body.id as string))).toEqual(new Set(ids));

    const returned = (quantity - stored) * faceValue;
    expect(closed.body).toMatchObject({ status: 'closed', returned, denominations: [{ returnedQuantity: quantity - stored }] });
    expect((await campaignRow(campaign.id)).allocated).toBe(stored * faceValue);
    expect((await api.get<RoundView>(`/api/v1/rounds/${round.id}`)).body.denominations[0].remaining).toBe(0);
    const after = await claimAs<ErrorBody>(api, 'after-close', denominationId);
    expect({ status: after.status, code: after.body.code }).toEqual({ status: 409, code: 'ROUND_NOT_OPEN' });
    expect(await auditActions(round.id)).toEqual(['round.created', 'round.closed']);

    // A later round can use exactly the budget given back.
    const next = (quantity: number) =>
      api.post(`/api/v1/campaigns/${campaign.id}/rounds`, roundInput({ denominations: [{ faceValue, minSpend: 5000, quantity }] }), {
        token: bureau,
      });
    const overBy1 = await next(quantity - stored + 1);
    expect({ status: overBy1.status, code: overBy1.body.code }).toEqual({ status: 422, code: 'BUDGET_EXCEEDED' });
    expect((await next(quantity - stored)).status).toBe(201);

    const stats = await api.get(`/api/v1/stats/campaigns/${campaign.id}`, { token: bureau });
    expect(stats.body).toMatchObject({ returned, allocated: quantity * faceValue });
    expect(stats.body.byRound[0]).toMatchObject({ roundId: round.id, returned, allocated: stored * faceValue, remaining: 0 });
  });

  it('makes each voucher valid from its claim to the end of the Nth day after it, in the campaign time zone', async () => {
    const campaign = await makeCampaign(api, bureau);
    const round = await makeRound(api, bureau, campaign.id, {
      voucherValidFrom: undefined,
      voucherValidUntil: undefined,
      voucherValidDays: 3,
    });
    expect(round).toMatchObject({ voucherValidDays: 3, voucherValidFrom: null, voucherValidUntil: null });
    const before = Date.now();
    const claimed = await claimAs<VoucherView>(api, 'valid-days', round.denominations[0].id);
    expect(claimed.status).toBe(201);
    const validFrom = new Date(claimed.body.validFrom);
    expect(validFrom.getTime()).toBeGreaterThanOrEqual(before);
    expect(validFrom.getTime()).toBeLessThanOrEqual(Date.now());
    const expected = validityFromClaim(validFrom, 3, t.config.campaignTimezone).validUntil;
    expect(claimed.body.validUntil).toBe(expected.toISOString());
    // The wallet shows the voucher's own validity, as stored.
    const wallet = await api.get<VoucherView>(`/api/v1/me/vouchers/${claimed.body.id}`, { token: residentToken('valid-days') });
    expect({ validFrom: wallet.body.validFrom, validUntil: wallet.body.validUntil }).toEqual({
      validFrom: claimed.body.validFrom,
      validUntil: expected.toISOString(),
    });
    const [row] = await t.db.query<{ valid_from: Date; valid_until: Date }>(`SELECT valid_from, valid_until FROM vouchers WHERE id = $1`, [
      claimed.body.id,
    ]);
    expect({ from: row.valid_from.toISOString(), until: row.valid_until.toISOString() }).toEqual({
      from: claimed.body.validFrom,
      until: expected.toISOString(),
    });
  });
});
