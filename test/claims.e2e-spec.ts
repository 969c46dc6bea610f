import { ApiClient, ErrorBody } from './support/http';
import { measureGrowth } from './support/metrics';
import { claimBurst, residentsNamed, tally } from './support/claim-burst';
import { bureauToken, claimAs, makeCampaign, makeOpenRound, makeRound, residentToken, roundInput } from './support/factories';
import { ClaimLedger } from '../src/claims/claim-ledger';
import { bootTestApp, TestApp } from './support/test-app';
import type { RoundView } from '../src/campaigns/campaign.view';
import type { Page } from '../src/common/http/pagination';
import type { VoucherView } from '../src/vouchers/voucher.view';

const HOUR = 3600_000;

describe('flash claims (one API process)', () => {
  let t: TestApp;
  let api: ApiClient;
  let bureau: string;

  beforeAll(async () => {
    // Bursts come from this one test process: lift the per-IP limit where the test is not about it.
    t = await bootTestApp({ RATE_LIMITS: 'claims.ip=1000000/60' });
    api = new ApiClient(t.baseUrl);
    bureau = await bureauToken(api);
  });
  afterAll(() => t.close());

  const count = async (sql: string, params: unknown[]) => Number((await t.db.query<{ n: string }>(sql, params))[0].n);

  it('(a) 2,000 distinct residents against 500 vouchers: exactly 500 created, the rest SOLD_OUT', async () => {
    const round = await makeOpenRound(api, bureau, { denominations: [{ faceValue: 1000, minSpend: 5000, quantity: 500 }] });
    const denominationId = round.denominations[0].id;
    const answers = await claimBurst([t.baseUrl], residentsNamed('burst', 2000), denominationId);
    expect(tally(answers)).toEqual({ '201': 500, '409 SOLD_OUT': 1500 });
    const created = answers.filter((a) => a.status === 201);
    expect(await count('SELECT count(*) AS n FROM vouchers WHERE denomination_id = $1', [denominationId])).toBe(500);
    // Every 201 is a stored voucher, with the code it was answered with.
    const stored = await t.db.query<{ id: string; code: string }>('SELECT id, code FROM vouchers WHERE denomination_id = $1', [
      denominationId,
    ]);
    const codes = new Map(stored.map((row) => [row.id, row.code]));
    for (const answer of created) expect(codes.get(answer.body.id)).toBe(String(answer.body.code).replace(/-/g, ''));
    expect(new Set(created.map((a) => a.body.code)).size).toBe(500);
    const view = await api.get<RoundView>(`/api/v1/rounds/${round.id}`);
    expect(view.status).toBe(200);
    expect(view.body.denominations[0].remaining).toBe(0);
  });

  it('(b) one resident firing 50 parallel claims with limit 1 gets exactly one voucher', async () => {
    const round = await makeOpenRound(api, bureau, {
      perResidentLimit: 1,
      denominations: [{ faceValue: 1000, minSpend: 5000, quantity: 100 }],
    });
    const denominationId = round.denominations[0].id;
    const answers = await Promise.all(Array.from({ length: 50 }, () => claimAs<VoucherView | ErrorBody>(api, 'eager', denominationId)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    // The resident limit is 10/min: the rest are refused as already claimed or rate limited, never created.
    expect(answers.every((a) => a.status === 201 || a.body.code === 'ALREADY_CLAIMED' || a.body.code === 'RATE_LIMITED')).toBe(true);
    expect(await count('SELECT count(*) AS n FROM vouchers WHERE round_id = $1 AND resident_id = $2', [round.id, 'eager'])).toBe(1);
    expect((await api.get<RoundView>(`/api/v1/rounds/${round.id}`)).body.denominations[0].remaining).toBe(99);
  });

  it('decides the claims of one admission batch in order, each as if alone', async () => {
    const round = await makeOpenRound(api, bureau, {
      perResidentLimit: 1,
      denominations: [{ faceValue: 1000, minSpend: 5000, quantity: 3 }],
    });
    const denominationId = round.denominations[0].id;
    const ledger = t.app.get(ClaimLedger);
    // Submitted in one event-loop turn, so one script call decides all six.
    const residents = ['b-1', 'b-2', 'b-1', 'b-3', 'b-4', 'b-5'];
    const admissions = await Promise.all(residents.map((resident) => ledger.admit(round.id, denominationId, resident)));
    expect(admissions.map((a) => (a.admitted ? 'OK' : a.refusal))).toEqual(['OK', 'OK', 'ALREADY_CLAIMED', 'OK', 'SOLD_OUT', 'SOLD_OUT']);
    const slots = admissions.flatMap((a) => (a.admitted ? [a.reservation.slot] : []));
    expect(new Set(slots).size).toBe(3);
    expect((await api.get<RoundView>(`/api/v1/rounds/${round.id}`)).body.denominations[0].remaining).toBe(0);
  });

  it('holds a limit above one under parallel claims across denominations', async () => {
    const round = await makeOpenRound(api, bureau, {
      perResidentLimit: 3,
      denominations: [
        { faceValue: 1000, minSpend: 5000, quantity: 50 },
        { faceValue: 2000, minSpend: 8000, quantity: 50 },
      ],
    });
    const ids = round.denominations.map((d) => d.id);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => claimAs<VoucherView | ErrorBody>(api, 'triple', ids[i % 2])));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.code === 'ALREADY_CLAIMED')).toBe(true);
    expect(await count('SELECT count(*) AS n FROM vouchers WHERE round_id = $1', [round.id])).toBe(3);
  });

  it('(e) refuses claims before and after the window, and for a campaign not active, with ROUND_NOT_OPEN', async () => {
    const now = Date.now();
    const campaign = await makeCampaign(api, bureau);
    const early = await makeRound(api, bureau, campaign.id, {
      claimOpensAt: new Date(now + HOUR).toISOString(),
      claimClosesAt: new Date(now + 2 * HOUR).toISOString(),
    });
    const late = await makeRound(api, bureau, campaign.id, {
      claimOpensAt: new Date(now - 2 * HOUR).toISOString(),
      claimClosesAt: new Date(now - HOUR).toISOString(),
    });
    const longClosed = await makeRound(api, bureau, campaign.id, {
      claimOpensAt: new Date(now - 10 * 24 * HOUR).toISOString(),
      claimClosesAt: new Date(now - 9 * 24 * HOUR).toISOString(),
    });
    for (const round of [early, late, longClosed]) {
      const answer = await claimAs<ErrorBody>(api, 'punctual', round.denominations[0].id);
      expect(answer.status).toBe(409);
      expect(answer.body.code).toBe('ROUND_NOT_OPEN');
    }
    const draft = await makeCampaign(api, bureau, {}, false);
    const draftRound = await makeRound(api, bureau, draft.id);
    expect((await claimAs<ErrorBody>(api, 'punctual', draftRound.denominations[0].id)).body.code).toBe('ROUND_NOT_OPEN');
    // Publishing opens it; closing the campaign stops it again.
    await api.post(`/api/v1/campaigns/${draft.id}/publish`, undefined, { token: bureau });
    expect((await claimAs(api, 'punctual', draftRound.denominations[0].id)).status).toBe(201);
    await api.post(`/api/v1/campaigns/${draft.id}/close`, undefined, { token: bureau });
    expect((await claimAs<ErrorBody>(api, 'punctual-2', draftRound.denominations[0].id)).body.code).toBe('ROUND_NOT_OPEN');
    expect(await count('SELECT count(*) AS n FROM vouchers WHERE campaign_id IN ($1, $2)', [campaign.id, draft.id])).toBe(1);
  });

  it('(e) the campaign budget holds: face value committed never exceeds it', async () => {
    // The budget fits exactly one round of 40 × 50 yuan; a second round is refused at creation.
    const campaign = await makeCampaign(api, bureau, { budget: 200_000 });
    const round = await makeRound(api, bureau, campaign.id, { denominations: [{ faceValue: 5000, minSpend: 20000, quantity: 40 }] });
    const refused = await api.post<ErrorBody>(
      `/api/v1/campaigns/${campaign.id}/rounds`,
      roundInput({ denominations: [{ faceValue: 5000, minSpend: 20000, quantity: 1 }] }),
      { token: bureau },
    );
    expect([refused.status, refused.body.code]).toEqual([422, 'BUDGET_EXCEEDED']);
    const answers = await Promise.all(Array.from({ length: 120 }, (_, i) => claimAs(api, `budget-${i}`, round.denominations[0].id)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(40);
    const [{ committed }] = await t.db.query<{ committed: string }>(
      'SELECT coalesce(sum(face_value), 0) AS committed FROM vouchers WHERE campaign_id = $1',
      [campaign.id],
    );
    expect(Number(committed)).toBe(200_000);
  });

  it('(e) answers 429 RATE_LIMITED with Retry-After and RateLimit-* headers over the per-resident limit', async () => {
    const round = await makeOpenRound(api, bureau, { denominations: [{ faceValue: 1000, minSpend: 5000, quantity: 10 }] });
    const answers = await Promise.all(
      Array.from({ length: 15 }, () => claimAs<VoucherView | ErrorBody>(api, 'bot', round.denominations[0].id)),
    );
    const limited = answers.filter((a) => a.status === 429);
    // claims.resident allows 10 per minute: exactly 5 over.
    expect(limited).toHaveLength(5);
    for (const answer of limited) {
      expect(answer.body.code).toBe('RATE_LIMITED');
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(answer.headers.get('ratelimit-limit')).toBe('10');
      expect(answer.headers.get('ratelimit-remaining')).toBe('0');
      expect(Number(answer.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    }
    expect(answers.find((a) => a.status === 201)?.headers.get('ratelimit-limit')).toBe('10');
  });

  it('refuses malformed or unauthorised claims with a code and changes nothing', async () => {
    const round = await makeOpenRound(api, bureau);
    const before = await count('SELECT count(*) AS n FROM vouchers', []);
    const token = residentToken('picky');
    const cases = [
      { body: {}, status: 400 },
      { body: { denominationId: 'not-a-uuid' }, status: 400 },
      { body: { denominationId: round.denominations[0].id, extra: 1 }, status: 400 },
      { body: { denominationId: 12 }, status: 400 },
      { body: { denominationId: '00000000-0000-4000-8000-000000000000' }, status: 404 },
    ];
    for (const c of cases) {
      const answer = await api.post<ErrorBody>('/api/v1/claims', c.body, { token });
      expect([answer.status, typeof answer.body.code]).toEqual([c.status, 'string']);
    }
    expect(
      (await api.post('/api/v1/claims', undefined, { token, raw: '{"denominationId":', headers: { 'content-type': 'application/json' } }))
        .status,
    ).toBe(400);
    expect((await api.post('/api/v1/claims', { denominationId: round.denominations[0].id })).status).toBe(401);
    expect((await api.post('/api/v1/claims', { denominationId: round.denominations[0].id }, { token: bureau })).status).toBe(403);
    expect(await count('SELECT count(*) AS n FROM vouchers', [])).toBe(before);
  });

  it('shows the resident only their own vouchers, with effective status and pagination', async () => {
    const now = Date.now();
    const campaign = await makeCampaign(api, bureau);
    const round = await makeRound(api, bureau, campaign.id, {
      perResidentLimit: 2,
      denominations: [{ faceValue: 1000, minSpend: 5000, quantity: 10 }],
    });
    const first = await claimAs<VoucherView>(api, 'wallet-owner', round.denominations[0].id);
    const second = await claimAs<VoucherView>(api, 'wallet-owner', round.denominations[0].id);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(first.body).toMatchObject({ theme: 'catering', faceValue: 1000, minSpend: 5000, status: 'claimed' });
    expect(first.body.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/);
    // One voucher ran out of validity (no expiry job has run): the wallet already shows it expired.
    await t.db.query(`UPDATE vouchers SET valid_from = $2, valid_until = $3 WHERE id = $1`, [
      second.body.id,
      new Date(now - 2 * HOUR),
      new Date(now - HOUR),
    ]);

    const owner = residentToken('wallet-owner');
    const all = await api.get<Page<VoucherView>>('/api/v1/me/vouchers', { token: owner });
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(2);
    const expired = await api.get<Page<VoucherView>>('/api/v1/me/vouchers?status=expired', { token: owner });
    expect(expired.body.items.map((v) => v.id)).toEqual([second.body.id]);
    expect(expired.body.items[0].status).toBe('expired');
    const claimed = await api.get<Page<VoucherView>>('/api/v1/me/vouchers?status=claimed&limit=1&offset=0', { token: owner });
    expect([claimed.body.total, claimed.body.items[0].id]).toEqual([1, first.body.id]);
    const one = await api.get<VoucherView>(`/api/v1/me/vouchers/${first.body.id}`, { token: owner });
    expect([one.status, one.body.code]).toEqual([200, first.body.code]);

    const stranger = residentToken('someone-else');
    expect((await api.get<Page<VoucherView>>('/api/v1/me/vouchers', { token: stranger })).body).toEqual({ items: [], total: 0 });
    const peek = await api.get<ErrorBody>(`/api/v1/me/vouchers/${first.body.id}`, { token: stranger });
    expect([peek.status, peek.body.code]).toEqual([404, 'NOT_FOUND']);
    for (const bad of ['?status=lost', '?limit=0', '?limit=501', '?offset=-1', '?foo=1']) {
      const answer = await api.get<ErrorBody>(`/api/v1/me/vouchers${bad}`, { token: owner });
      expect([answer.status, answer.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect((await api.get('/api/v1/me/vouchers/not-a-uuid', { token: owner })).status).toBe(400);
    expect((await api.get('/api/v1/me/vouchers', { token: bureau })).status).toBe(403);
  });

  it('rebuilds lost Redis state lazily from the stored vouchers', async () => {
    const round = await makeOpenRound(api, bureau, { denominations: [{ faceValue: 1000, minSpend: 5000, quantity: 5 }] });
    const denominationId = round.denominations[0].id;
    const redis = new (await import('ioredis')).default(t.redisUrl);
    // Creating the round loaded its state already: the first claim finds it waiting.
    expect(await redis.scard(`claim:{round:${round.id}}:slots:${denominationId}`)).toBe(5);
    expect(await redis.hget(`claim:{round:${round.id}}:meta`, 'active')).toBe('1');
    expect((await claimAs(api, 'before-loss', denominationId)).status).toBe(201);
    await redis.del(...(await redis.keys(`claim:{round:${round.id}}:*`)));
    expect((await api.get<RoundView>(`/api/v1/rounds/${round.id}`)).body.denominations[0].remaining).toBe(4);
    expect((await claimAs<ErrorBody>(api, 'before-loss', denominationId)).body.code).toBe('ALREADY_CLAIMED');
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => claimAs(api, `after-loss-${i}`, denominationId)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(4);
    expect(await count('SELECT count(*) AS n FROM vouchers WHERE denomination_id = $1', [denominationId])).toBe(5);
    // Closing the campaign updates the state at once.
    await api.post(`/api/v1/campaigns/${round.campaignId}/close`, undefined, { token: bureau });
    expect(await redis.hget(`claim:{round:${round.id}}:meta`, 'active')).toBe('0');
    await redis.quit();
  });

  it('hides rounds of draft campaigns from the public and counts claims in /metrics', async () => {
    const draft = await makeCampaign(api, bureau, {}, false);
    const round = await makeRound(api, bureau, draft.id);
    expect((await api.get(`/api/v1/rounds/${round.id}`)).status).toBe(404);
    expect((await api.get<RoundView>(`/api/v1/rounds/${round.id}`, { token: bureau })).body.denominations[0].remaining).toBe(100);
    expect((await api.get('/api/v1/rounds/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const single = await makeOpenRound(api, bureau, { denominations: [{ faceValue: 1000, minSpend: 5000, quantity: 1 }] });
    const growth = await measureGrowth(api, ['juhui_claims_total{outcome="created"}', 'juhui_claims_total{outcome="SOLD_OUT"}']);
    expect((await claimAs(api, 'metrics-first', single.denominations[0].id)).status).toBe(201);
    expect((await claimAs(api, 'metrics-second', single.denominations[0].id)).body.code).toBe('SOLD_OUT');
    expect(await growth()).toEqual({ 'juhui_claims_total{outcome="created"}': 1, 'juhui_claims_total{outcome="SOLD_OUT"}': 1 });
  });
});
