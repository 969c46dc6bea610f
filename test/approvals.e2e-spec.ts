import { bureauToken, claimAs, loginAs, makeCampaign, makeRound, makeStaff } from './support/factories';
import { ApiClient, ApiResponse } from './support/http';
import { bootTestApp, TestApp } from './support/test-app';

/** The audit events written about one subject, oldest first: action, actor and the snapshots. */
async function eventsAbout(t: TestApp, subjectId: string) {
  return t.db.query<{ action: string; actor_id: string; before: any; after: any }>(
    `SELECT action, actor_id, before, after FROM audit_events WHERE subject_id = $1 ORDER BY seq`,
    [subjectId],
  );
}

async function storedCampaign(t: TestApp, id: string) {
  const [row] = await t.db.query<{ status: string; budget: string }>(`SELECT status, budget FROM campaigns WHERE id = $1`, [id]);
  return { status: row.status, budget: Number(row.budget) };
}

const statusAndCode = (answer: ApiResponse) => ({ status: answer.status, code: answer.body?.code as string | undefined });

describe('approvals with the four-eyes rule on', () => {
  let t: TestApp;
  let api: ApiClient;
  let admin: string;
  /** Two operators: one asks, the other approves; and colleagues who approve at the same moment. */
  let asker: { id: string; token: string };
  let approver: { id: string; token: string };
  let colleagues: Array<{ id: string; token: string }>;

  const operator = async () => {
    const member = await makeStaff(api, admin, ['operator']);
    return { id: member.id, token: await loginAs(api, member) };
  };

  /** An active campaign, published through a request and its approval. */
  async function activeCampaign(overrides: Record<string, unknown> = {}) {
    const draft = await makeCampaign(api, asker.token, overrides, false);
    const requested = await api.post(`/api/v1/campaigns/${draft.id}/publish`, undefined, { token: asker.token });
    expect(requested.status).toBe(202);
    const approved = await api.post(`/api/v1/approvals/${requested.body.approval.id}/approve`, {}, { token: approver.token });
    expect(approved.status).toBe(200);
    return draft as { id: string };
  }

  const raise = (campaignId: string, budget: number, token = asker.token) =>
    api.patch(`/api/v1/campaigns/${campaignId}`, { budget }, { token });

  beforeAll(async () => {
    t = await bootTestApp({ FOUR_EYES: 'true', RATE_LIMITS: 'auth.login.ip=100000/60,auth.login.username=100000/60' });
    api = new ApiClient(t.baseUrl);
    admin = await bureauToken(api);
    asker = await operator();
    approver = await operator();
    // One after another: each creation and login hashes a password with scrypt, heavy by design.
    colleagues = [approver];
    for (let i = 0; i < 3; i++) colleagues.push(await operator());
  });
  afterAll(() => t.close());

  it('holds a publication for approval: 202, still a draft, the asker may not approve it, another operator may', async () => {
    const draft = await makeCampaign(api, asker.token, {}, false);
    const round = await makeRound(api, asker.token, draft.id);

    const requested = await api.post(`/api/v1/campaigns/${draft.id}/publish`, undefined, { token: asker.token });
    expect(requested.status).toBe(202);
    const approval = requested.body.approval;
    expect(approval).toMatchObject({
      kind: 'campaign.publish',
      subject: { type: 'campaign', id: draft.id },
      status: 'pending',
      requestedBy: { id: asker.id },
      decidedBy: null,
    });
    expect(await storedCampaign(t, draft.id)).toMatchObject({ status: 'draft' });
    expect(statusAndCode(await claimAs(api, 'resident-early', round.denominations[0].id))).toEqual({ status: 409, code: 'ROUND_NOT_OPEN' });

    const self = await api.post(`/api/v1/approvals/${approval.id}/approve`, {}, { token: asker.token });
    expect(statusAndCode(self)).toEqual({ status: 403, code: 'FOUR_EYES_REQUIRED' });
    expect((await api.get(`/api/v1/approvals/${approval.id}`, { token: asker.token })).body.status).toBe('pending');
    expect(await storedCampaign(t, draft.id)).toMatchObject({ status: 'draft' });

    const approved = await api.post(`/api/v1/approvals/${approval.id}/approve`, { note: '预算已核' }, { token: approver.token });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', decidedBy: { id: approver.id }, note: '预算已核' });
    expect(approved.body.decidedAt).toBeTruthy();
    expect(await storedCampaign(t, draft.id)).toMatchObject({ status: 'active' });
    // The claim engine heard of the publication once the approval committed.
    expect((await claimAs(api, 'resident-after', round.denominations[0].id)).status).toBe(201);

    expect((await eventsAbout(t, approval.id)).map((e) => [e.action, e.actor_id])).toEqual([
      ['approval.requested', asker.id],
      ['approval.approved', approver.id],
    ]);
    const published = (await eventsAbout(t, draft.id)).filter((e) => e.action === 'campaign.published');
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ actor_id: approver.id, before: { status: 'draft' }, after: { status: 'active' } });
  });

  it('refuses a second pending request for the same change with 409, and allows one again once decided', async () => {
    const draft = await makeCampaign(api, asker.token, {}, false);
    const first = await api.post(`/api/v1/campaigns/${draft.id}/publish`, undefined, { token: asker.token });
    expect(first.status).toBe(202);
    const second = await api.post(`/api/v1/campaigns/${draft.id}/publish`, undefined, { token: approver.token });
    expect(statusAndCode(second)).toEqual({ status: 409, code: 'INVALID_STATE' });
    const pending = await t.db.query(`SELECT id FROM approvals WHERE subject_id = $1`, [draft.id]);
    expect(pending).toHaveLength(1);

    expect((await api.post(`/api/v1/approvals/${first.body.approval.id}/reject`, {}, { token: approver.token })).status).toBe(200);
    expect((await api.post(`/api/v1/campaigns/${draft.id}/publish`, undefined, { token: approver.token })).status).toBe(202);
  });

  it('holds a budget rise of an active campaign for approval and applies it once approved', async () => {
    const campaign = await activeCampaign({ budget: 1_000_000 });
    const requested = await raise(campaign.id, 1_500_000);
    expect(requested.status).toBe(202);
    expect(requested.body.approval).toMatchObject({ kind: 'campaign.budget_rise', change: { from: 1_000_000, to: 1_500_000 } });
    expect(await storedCampaign(t, campaign.id)).toEqual({ status: 'active', budget: 1_000_000 });

    expect(statusAndCode(await api.post(`/api/v1/approvals/${requested.body.approval.id}/approve`, {}, { token: asker.token }))).toEqual({
      status: 403,
      code: 'FOUR_EYES_REQUIRED',
    });
    expect(await storedCampaign(t, campaign.id)).toEqual({ status: 'active', budget: 1_000_000 });

    expect((await api.post(`/api/v1/approvals/${requested.body.approval.id}/approve`, {}, { token: approver.token })).status).toBe(200);
    expect(await storedCampaign(t, campaign.id)).toEqual({ status: 'active', budget: 1_500_000 });
    const updated = (await eventsAbout(t, campaign.id)).filter((e) => e.action === 'campaign.updated');
    expect(updated).toHaveLength(1);
    expect(updated[0]).toMatchObject({ actor_id: approver.id, before: { budget: 1_000_000 }, after: { budget: 1_500_000 } });
  });

  it('makes other edits of an active campaign at once, and refuses a rise mixed with them', async () => {
    const campaign = await activeCampaign({ budget: 1_000_000 });
    const lower = await raise(campaign.id, 800_000);
    expect(lower.status).toBe(200);
    expect(lower.body.budget).toBe(800_000);
    const described = await api.patch(`/api/v1/campaigns/${campaign.id}`, { description: '第二期' }, { token: asker.token });
    expect(described.status).toBe(200);
    expect(described.body.description).toBe('第二期');

    const mixed = await api.patch(`/api/v1/campaigns/${campaign.id}`, { budget: 2_000_000, description: 'x' }, { token: asker.token });
    expect(statusAndCode(mixed)).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await storedCampaign(t, campaign.id)).toEqual({ status: 'active', budget: 800_000 });
    expect(await t.db.query(`SELECT id FROM approvals WHERE subject_id = $1 AND kind = 'campaign.budget_rise'`, [campaign.id])).toEqual([]);
  });

  it('rejects without changing anything; the asker may withdraw their own request; a decided request stays decided', async () => {
    const campaign = await activeCampaign({ budget: 1_000_000 });
    const requested = await raise(campaign.id, 3_000_000);
    const id = requested.body.approval.id as string;
    const rejected = await api.post(`/api/v1/approvals/${id}/reject`, { note: 'not this year' }, { token: approver.token });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', decidedBy: { id: approver.id }, note: 'not this year' });
    expect(await storedCampaign(t, campaign.id)).toEqual({ status: 'active', budget: 1_000_000 });
    expect((await eventsAbout(t, campaign.id)).filter((e) => e.action === 'campaign.updated')).toEqual([]);
    expect((await eventsAbout(t, id)).map((e) => e.action)).toEqual(['approval.requested', 'approval.rejected']);
    for (const decision of ['approve', 'reject']) {
      const again = await api.post(`/api/v1/approvals/${id}/${decision}`, {}, { token: approver.token });
      expect(statusAndCode(again)).toEqual({ status: 409, code: 'INVALID_STATE' });
    }

    const withdrawn = await raise(campaign.id, 2_000_000);
    expect((await api.post(`/api/v1/approvals/${withdrawn.body.approval.id}/reject`, {}, { token: asker.token })).body.status).toBe(
      'rejected',
    );
    expect(await storedCampaign(t, campaign.id)).toEqual({ status: 'active', budget: 1_000_000 });
  });

  it('refuses to approve a publication whose draft changed after it was asked for', async () => {
    const draft = await makeCampaign(api, asker.token, { budget: 1_000_000 }, false);
    const requested = await api.post(`/api/v1/campaigns/${draft.id}/publish`, undefined, { token: asker.token });
    expect((await api.patch(`/api/v1/campaigns/${draft.id}`, { budget: 90_000_000 }, { token: asker.token })).status).toBe(200);
    const approved = await api.post(`/api/v1/approvals/${requested.body.approval.id}/approve`, {}, { token: approver.token });
    expect(statusAndCode(approved)).toEqual({ status: 409, code: 'INVALID_STATE' });
    expect(await storedCampaign(t, draft.id)).toEqual({ status: 'draft', budget: 90_000_000 });
    expect((await api.get(`/api/v1/approvals/${requested.body.approval.id}`, { token: approver.token })).body.status).toBe('pending');
  });

  it('applies a budget rise exactly once when four operators approve it twenty times at the same moment', async () => {
    const campaign = await activeCampaign({ budget: 1_000_000 });
    const requested = await raise(campaign.id, 1_200_000);
    const id = requested.body.approval.id as string;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.post(`/api/v1/approvals/${id}/approve`, {}, { token: colleagues[i % colleagues.length].token }),
      ),
    );
    const tally = answers.map((a) => `${a.status} ${a.body?.code ?? ''}`.trim()).sort();
    expect(tally).toEqual(['200', ...Array<string>(19).fill('409 INVALID_STATE')]);
    expect(await storedCampaign(t, campaign.id)).toEqual({ status: 'active', budget: 1_200_000 });
    expect((await eventsAbout(t, campaign.id)).filter((e) => e.action === 'campaign.updated')).toHaveLength(1);
    const decisions = (await eventsAbout(t, id)).filter((e) => e.action !== 'approval.requested');
    expect(decisions.map((e) => e.action)).toEqual(['approval.approved']);
  });

  it('decides once when approvals and rejections race, and the stored outcome is the winner’s', async () => {
    const campaign = await activeCampaign({ budget: 1_000_000 });
    const id = (await raise(campaign.id, 1_100_000)).body.approval.id as string;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.post(`/api/v1/approvals/${id}/${i % 2 ? 'reject' : 'approve'}`, {}, { token: colleagues[i % colleagues.length].token }),
      ),
    );
    const winners = answers.filter((a) => a.status === 200);
    expect(winners).toHaveLength(1);
    expect(answers.filter((a) => a.status !== 200).map(statusAndCode)).toEqual(Array(19).fill({ status: 409, code: 'INVALID_STATE' }));
    const outcome = winners[0].body.status as string;
    expect((await api.get(`/api/v1/approvals/${id}`, { token: asker.token })).body.status).toBe(outcome);
    expect((await storedCampaign(t, campaign.id)).budget).toBe(outcome === 'approved' ? 1_100_000 : 1_000_000);
    expect((await eventsAbout(t, id)).filter((e) => e.action !== 'approval.requested')).toHaveLength(1);
  });

  it('lets only operators decide (403 otherwise, nothing changed) and every staff role read', async () => {
    const campaign = await activeCampaign({ budget: 1_000_000 });
    const id = (await raise(campaign.id, 1_300_000)).body.approval.id as string;
    for (const roles of [['finance'], ['auditor'], ['admin']] as const) {
      const token = await loginAs(api, await makeStaff(api, admin, [...roles]));
      for (const decision of ['approve', 'reject']) {
        const answer = await api.post(`/api/v1/approvals/${id}/${decision}`, {}, { token });
        expect({ roles, decision, ...statusAndCode(answer) }).toEqual({ roles, decision, status: 403, code: 'FORBIDDEN' });
      }
      expect((await api.get(`/api/v1/approvals/${id}`, { token })).status).toBe(200);
      expect((await api.get(`/api/v1/approvals?status=pending`, { token })).status).toBe(200);
    }
    expect((await api.get(`/api/v1/approvals/${id}`, { token: asker.token })).body.status).toBe('pending');
    expect(await storedCampaign(t, campaign.id)).toEqual({ status: 'active', budget: 1_000_000 });
  });

  it('lists approvals by status and kind, paged, and answers 404 for an unknown one', async () => {
    const draft = await makeCampaign(api, asker.token, {}, false);
    const publication = (await api.post(`/api/v1/campaigns/${draft.id}/publish`, undefined, { token: asker.token })).body.approval;
    const campaign = await activeCampaign();
    const rise = (await raise(campaign.id, 200_000_000)).body.approval;

    const list = async (query: string) => {
      const answer = await api.get(`/api/v1/approvals?limit=500${query}`, { token: asker.token });
      expect(answer.status).toBe(200);
      expect(answer.body.total).toBe(answer.body.items.length);
      return answer.body.items as Array<{ id: string; kind: string; status: string }>;
    };
    const pendingRises = await list('&status=pending&kind=campaign.budget_rise');
    expect(pendingRises.map((a) => a.id)).toContain(rise.id);
    expect(pendingRises.every((a) => a.kind === 'campaign.budget_rise' && a.status === 'pending')).toBe(true);
    const pendingPublications = await list('&status=pending&kind=campaign.publish');
    expect(pendingPublications.map((a) => a.id)).toContain(publication.id);
    expect(pendingPublications.map((a) => a.id)).not.toContain(rise.id);
    const approved = await list('&status=approved');
    expect(approved.length).toBeGreaterThan(0);
    expect(approved.every((a) => a.status === 'approved')).toBe(true);
    expect(approved.map((a) => a.id)).not.toContain(publication.id);

    const all = await list('');
    const page = await api.get('/api/v1/approvals?limit=2&offset=1', { token: asker.token });
    expect(page.body.total).toBe(all.length);
    expect(page.body.items.map((a: { id: string }) => a.id)).toEqual(all.slice(1, 3).map((a) => a.id));

    expect(statusAndCode(await api.get('/api/v1/approvals?status=maybe', { token: asker.token }))).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(statusAndCode(await api.get(`/api/v1/approvals/${missing}`, { token: asker.token }))).toEqual({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect(statusAndCode(await api.post(`/api/v1/approvals/${missing}/approve`, {}, { token: approver.token }))).toEqual({
      status: 404,
      code: 'NOT_FOUND',
    });
  });
});

describe('approvals with the four-eyes rule off', () => {
  let t: TestApp;
  let api: ApiClient;
  let token: string;

  beforeAll(async () => {
    t = await bootTestApp({ FOUR_EYES: 'false' });
    api = new ApiClient(t.baseUrl);
    const admin = await bureauToken(api);
    token = await loginAs(api, await makeStaff(api, admin, ['operator']));
  });
  afterAll(() => t.close());

  it('publishes and raises a budget at once (200), with their audit events and no approval request', async () => {
    const draft = await makeCampaign(api, token, { budget: 1_000_000 }, false);
    const published = await api.post(`/api/v1/campaigns/${draft.id}/publish`, undefined, { token });
    expect(published.status).toBe(200);
    expect(published.body.status).toBe('active');
    const raised = await api.patch(`/api/v1/campaigns/${draft.id}`, { budget: 2_000_000, description: '加码' }, { token });
    expect(raised.status).toBe(200);
    expect(raised.body).toMatchObject({ budget: 2_000_000, description: '加码' });
    expect(await storedCampaign(t, draft.id)).toEqual({ status: 'active', budget: 2_000_000 });
    expect((await eventsAbout(t, draft.id)).map((e) => e.action)).toEqual(['campaign.created', 'campaign.published', 'campaign.updated']);
    expect(await t.db.query(`SELECT id FROM approvals`)).toEqual([]);
    expect((await api.get('/api/v1/approvals', { token })).body).toEqual({ items: [], total: 0 });
  });
});
