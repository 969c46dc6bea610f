import { ClaimStateLoader } from '../src/claims/claim-state.loader';
import {
  bureauToken,
  campaignInput,
  claimAs,
  makeCampaign,
  makeOpenRound,
  makeRound,
  merchantToken,
  residentToken,
  roundInput,
} from './support/factories';
import { ApiClient, ErrorBody } from './support/http';
import { bootTestApp, TestApp } from './support/test-app';
import type { CampaignView, RoundView } from '../src/campaigns/campaign.view';
import type { Page } from '../src/common/http/pagination';

/** GET /campaigns/:id: the campaign with its rounds. */
type CampaignWithRounds = CampaignView & { rounds: RoundView[] };

describe('campaigns and rounds', () => {
  let t: TestApp;
  let api: ApiClient;
  let bureau: string;

  beforeAll(async () => {
    t = await bootTestApp();
    api = new ApiClient(t.baseUrl);
    bureau = await bureauToken(api);
  });
  afterAll(() => t.close());

  it('creates a draft, publishes it and closes it', async () => {
    const created = await api.post<CampaignView>(
      '/api/v1/campaigns',
      campaignInput({ name: '家电消费券', theme: 'appliances', description: '以旧换新' }),
      { token: bureau },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: '家电消费券', theme: 'appliances', status: 'draft', allocated: 0, description: '以旧换新' });
    expect(typeof created.body.id).toBe('string');
    expect(created.body.startsAt).toMatch(/T.*Z$/);

    const published = await api.post<CampaignView>(`/api/v1/campaigns/${created.body.id}/publish`, undefined, { token: bureau });
    expect(published.status).toBe(200);
    expect(published.body.status).toBe('active');
    expect(published.body.publishedAt).toBeTruthy();

    const again = await api.post<ErrorBody>(`/api/v1/campaigns/${created.body.id}/publish`, undefined, { token: bureau });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('INVALID_STATE');

    const closed = await api.post<CampaignView>(`/api/v1/campaigns/${created.body.id}/close`, undefined, { token: bureau });
    expect(closed.body.status).toBe('closed');
    const roundOnClosed = await api.post(`/api/v1/campaigns/${created.body.id}/rounds`, roundInput(), { token: bureau });
    expect(roundOnClosed.status).toBe(409);
    const reopen = await api.post(`/api/v1/campaigns/${created.body.id}/publish`, undefined, { token: bureau });
    expect(reopen.status).toBe(409);
  });

  it('edits a draft freely and never drops the budget below what is allocated', async () => {
    const draft = await makeCampaign(api, bureau, { budget: 1_000_000 }, false);
    await makeRound(api, bureau, draft.id, { denominations: [{ faceValue: 1000, minSpend: 5000, quantity: 600 }] });
    const lower = await api.patch<ErrorBody>(`/api/v1/campaigns/${draft.id}`, { budget: 500_000 }, { token: bureau });
    expect(lower.status).toBe(422);
    expect(lower.body.code).toBe('BUDGET_EXCEEDED');
    const rename = await api.patch<CampaignView>(`/api/v1/campaigns/${draft.id}`, { name: 'Renamed', budget: 700_000 }, { token: bureau });
    expect(rename.status).toBe(200);
    expect(rename.body).toMatchObject({ name: 'Renamed', budget: 700_000, allocated: 600_000 });
    await api.post(`/api/v1/campaigns/${draft.id}/publish`, undefined, { token: bureau });
    const late = await api.patch(`/api/v1/campaigns/${draft.id}`, { name: 'Too late' }, { token: bureau });
    expect(late.status).toBe(409);
  });

  it('edits an active campaign’s budget (down to its allocation), end and description only, and a closed one not at all', async () => {
    const campaign = await makeCampaign(api, bureau, { budget: 1_000_000 });
    const round = await makeRound(api, bureau, campaign.id, { denominations: [{ faceValue: 1000, minSpend: 5000, quantity: 600 }] });
    const edit = (body: Record<string, unknown>) => api.patch(`/api/v1/campaigns/${campaign.id}`, body, { token: bureau });
    const stored = async () =>
      (await t.db.query(`SELECT budget, ends_at, description, name FROM campaigns WHERE id = $1`, [campaign.id]))[0];

    const before = await stored();
    const below = await edit({ budget: 599_999 });
    expect({ status: below.status, code: below.body.code }).toEqual({ status: 422, code: 'BUDGET_EXCEEDED' });
    const early = await edit({ endsAt: new Date(Date.parse(round.voucherValidUntil!) - 1000).toISOString() });
    expect({ status: early.status, code: early.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    for (const body of [{ name: 'Renamed' }, { startsAt: new Date().toISOString() }, { name: 'Renamed', budget: 700_000 }]) {
      const refused = await edit(body);
      expect({ body, status: refused.status, code: refused.body.code }).toEqual({ body, status: 409, code: 'INVALID_STATE' });
    }
    expect(await stored()).toEqual(before);

    expect((await edit({ budget: 600_000 })).body).toMatchObject({ budget: 600_000, allocated: 600_000 });
    const endsAt = new Date(Date.parse(round.voucherValidUntil!) + 86_400_000).toISOString();
    const moved = await edit({ budget: 2_000_000, endsAt, description: '延长一天' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({
      budget: 2_000_000,
      endsAt: new Date(endsAt).toISOString(),
      description: '延长一天',
      status: 'active',
    });

    await api.post(`/api/v1/campaigns/${campaign.id}/close`, undefined, { token: bureau });
    const closed = await edit({ description: 'after the end' });
    expect({ status: closed.status, code: closed.body.code }).toEqual({ status: 409, code: 'INVALID_STATE' });
  });

  it('lists with filters for the bureau and only active campaigns for everyone else', async () => {
    const draft = await makeCampaign(api, bureau, { theme: 'farm-goods' }, false);
    const active = await makeCampaign(api, bureau, { theme: 'farm-goods' });

    const all = await api.get<Page<CampaignView>>('/api/v1/campaigns?theme=farm-goods&limit=500', { token: bureau });
    expect(all.body.items.map((c) => c.id)).toEqual(expect.arrayContaining([draft.id, active.id]));
    const drafts = await api.get<Page<CampaignView>>('/api/v1/campaigns?status=draft&limit=500', { token: bureau });
    expect(drafts.body.items.every((c) => c.status === 'draft')).toBe(true);

    for (const token of [undefined, residentToken('r-list'), merchantToken('00000000-0000-4000-8000-000000000000')]) {
      const visible = await api.get<Page<CampaignView>>('/api/v1/campaigns?status=draft&theme=farm-goods', { token });
      expect(visible.status).toBe(200);
      const ids = visible.body.items.map((c) => c.id);
      expect(ids).toContain(active.id);
      expect(ids).not.toContain(draft.id);
      expect(visible.body.total).toBe(visible.body.items.length);
      expect((await api.get(`/api/v1/campaigns/${draft.id}`, { token })).status).toBe(404);
    }
    expect((await api.get(`/api/v1/campaigns/${draft.id}`, { token: bureau })).status).toBe(200);
  });

  it('pages lists with limit and offset', async () => {
    for (let i = 0; i < 3; i++) await makeCampaign(api, bureau, { theme: 'autos' });
    const first = await api.get<Page<CampaignView>>('/api/v1/campaigns?theme=autos&limit=2&offset=0', { token: bureau });
    const second = await api.get<Page<CampaignView>>('/api/v1/campaigns?theme=autos&limit=2&offset=2', { token: bureau });
    expect(first.body.items).toHaveLength(2);
    expect(first.body.total).toBe(second.body.total);
    expect(second.body.items[0].id).not.toBe(first.body.items[1].id);
  });

  it('creates rounds with denomination ids and shows them on the campaign', async () => {
    const campaign = await makeCampaign(api, bureau, { budget: 10_000_000 });
    const round = await api.post<RoundView>(
      `/api/v1/campaigns/${campaign.id}/rounds`,
      roundInput({
        perResidentLimit: 2,
        denominations: [
          { faceValue: 5000, minSpend: 20000, quantity: 100 },
          { faceValue: 2000, minSpend: 10000, quantity: 250 },
        ],
      }),
      { token: bureau },
    );
    expect(round.status).toBe(201);
    expect(round.body.perResidentLimit).toBe(2);
    expect(round.body.denominations).toHaveLength(2);
    for (const d of round.body.denominations) {
      expect(typeof d.id).toBe('string');
      expect(d.remaining).toBe(d.quantity);
    }
    const shown = await api.get<CampaignWithRounds>(`/api/v1/campaigns/${campaign.id}`);
    expect(shown.body.allocated).toBe(1_000_000);
    expect(shown.body.rounds.map((r) => r.id)).toEqual([round.body.id]);
    expect(round.body.perResidentLimit).toBe(2);
    const defaulted = await makeRound(api, bureau, campaign.id, { perResidentLimit: undefined });
    expect(defaulted.perResidentLimit).toBe(1);
  });

  it('refuses a round that would pass the budget and writes nothing', async () => {
    const campaign = await makeCampaign(api, bureau, { budget: 1_000_000 });
    await makeRound(api, bureau, campaign.id, { denominations: [{ faceValue: 5000, minSpend: 20000, quantity: 150 }] });
    const over = await api.post<ErrorBody>(
      `/api/v1/campaigns/${campaign.id}/rounds`,
      roundInput({ denominations: [{ faceValue: 5000, minSpend: 20000, quantity: 51 }] }),
      { token: bureau },
    );
    expect(over.status).toBe(422);
    expect(over.body.code).toBe('BUDGET_EXCEEDED');
    const [row] = await t.db.query<{ allocated: string; rounds: string }>(
      'SELECT c.allocated, (SELECT count(*) FROM rounds r WHERE r.campaign_id = c.id) AS rounds FROM campaigns c WHERE c.id = $1',
      [campaign.id],
    );
    expect(row).toEqual({ allocated: '750000', rounds: '1' });
    const exact = await makeRound(api, bureau, campaign.id, { denominations: [{ faceValue: 5000, minSpend: 20000, quantity: 50 }] });
    expect(exact.denominations[0].quantity).toBe(50);
  });

  it('admits exactly the concurrent rounds that fit the budget', async () => {
    // Budget for 7 rounds of 100,000 fen; 40 created at once.
    const campaign = await makeCampaign(api, bureau, { budget: 700_000 });
    const attempts = await Promise.all(
      Array.from({ length: 40 }, () =>
        api.post<RoundView | ErrorBody>(
          `/api/v1/campaigns/${campaign.id}/rounds`,
          roundInput({ denominations: [{ faceValue: 1000, minSpend: 1000, quantity: 100 }] }),
          {
            token: bureau,
          },
        ),
      ),
    );
    const statuses = attempts.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(7);
    expect(statuses.filter((s) => s === 422)).toHaveLength(33);
    expect(attempts.filter((a) => a.status === 422).every((a) => 'code' in a.body && a.body.code === 'BUDGET_EXCEEDED')).toBe(true);
    const [row] = await t.db.query<{ allocated: string; face: string }>(
      `SELECT c.allocated, (SELECT sum(d.face_value * d.quantity) FROM denominations d WHERE d.campaign_id = c.id) AS face
         FROM campaigns c WHERE c.id = $1`,
      [campaign.id],
    );
    expect(row).toEqual({ allocated: '700000', face: '700000' });
  });

  it('answers 404 for unknown campaigns', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const [method, path] of [
      ['GET', `/api/v1/campaigns/${missing}`],
      ['POST', `/api/v1/campaigns/${missing}/publish`],
      ['POST', `/api/v1/campaigns/${missing}/close`],
      ['PATCH', `/api/v1/campaigns/${missing}`],
    ] as const) {
      const answer = await api.request<ErrorBody>(method, path, method === 'PATCH' ? { name: 'x' } : undefined, { token: bureau });
      expect({ path, status: answer.status, code: answer.body.code }).toEqual({ path, status: 404, code: 'NOT_FOUND' });
    }
    const round = await api.post(`/api/v1/campaigns/${missing}/rounds`, roundInput(), { token: bureau });
    expect(round.status).toBe(404);
  });
});

/** Issue 12 point 16: the set-up rules the endpoints missed. */
describe('campaign and round dates', () => {
  let t: TestApp;
  let api: ApiClient;
  let bureau: string;
  const DAY = 24 * 3600_000;

  beforeAll(async () => {
    t = await bootTestApp({ RUN_WORKER: 'false' });
    api = new ApiClient(t.baseUrl);
    bureau = await bureauToken(api);
  });
  afterAll(() => t.close());

  it("refuses to move a draft's end before a round's claim window closes or its vouchers expire, and keeps the old end", async () => {
    const campaign = await makeCampaign(api, bureau, {}, false);
    const round = await makeRound(api, bureau, campaign.id);
    for (const endsAt of [new Date(Date.parse(round.claimClosesAt) - 60_000), new Date(Date.parse(round.voucherValidUntil!) - 60_000)]) {
      const moved = await api.patch(`/api/v1/campaigns/${campaign.id}`, { endsAt: endsAt.toISOString() }, { token: bureau });
      expect({ status: moved.status, code: moved.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    }
    expect((await api.get(`/api/v1/campaigns/${campaign.id}`, { token: bureau })).body.endsAt).toBe(campaign.endsAt);
    const fits = await api.patch(`/api/v1/campaigns/${campaign.id}`, { endsAt: round.voucherValidUntil }, { token: bureau });
    expect(fits.status).toBe(200);
  });

  it('refuses a round whose vouchers expire before its claim window closes', async () => {
    const campaign = await makeCampaign(api, bureau, {}, false);
    const answer = await api.post(
      `/api/v1/campaigns/${campaign.id}/rounds`,
      roundInput({
        claimClosesAt: new Date(Date.now() + 10 * DAY).toISOString(),
        voucherValidUntil: new Date(Date.now() + 5 * DAY).toISOString(),
      }),
      { token: bureau },
    );
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect((await t.db.query('SELECT id FROM rounds WHERE campaign_id = $1', [campaign.id])).length).toBe(0);
  });

  it('does not publish a campaign whose end has passed', async () => {
    const ended = await makeCampaign(
      api,
      bureau,
      { startsAt: new Date(Date.now() - 30 * DAY).toISOString(), endsAt: new Date(Date.now() - DAY).toISOString() },
      false,
    );
    const answer = await api.post(`/api/v1/campaigns/${ended.id}/publish`, undefined, { token: bureau });
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 409, code: 'INVALID_STATE' });
    expect((await api.get(`/api/v1/campaigns/${ended.id}`, { token: bureau })).body.status).toBe('draft');
  });

  it("refuses claims once the campaign's end has passed, though the round's window is still open", async () => {
    const round = await makeOpenRound(api, bureau);
    expect((await claimAs(api, 'before-the-end', round.denominations[0].id)).status).toBe(201);
    // No endpoint lets an end pass an open window any more; stored data from before these rules can.
    await t.db.query(`UPDATE campaigns SET ends_at = now() - interval '1 minute' WHERE id = $1`, [round.campaignId]);
    await t.app.get(ClaimStateLoader).load(round.id);
    const late = await claimAs(api, 'after-the-end', round.denominations[0].id);
    expect({ status: late.status, code: late.body.code }).toEqual({ status: 409, code: 'ROUND_NOT_OPEN' });
  });
});
