import {
  bureauToken,
  campaignInput,
  insertRedemptions,
  loginAs,
  makeMerchant,
  makeRedemptionSource,
  makeStaff,
  roundInput,
  waitForRun,
} from './support/factories';
import { ApiClient } from './support/http';
import { until } from './support/wait';
import { bootTestApp, TestApp } from './support/test-app';

interface AuditEventView {
  seq: number;
  actor: { type: string; id: string; name: string };
  action: string;
  subject: { type: string; id: string };
  before?: Record<string, any> | null;
  after?: Record<string, any> | null;
  requestId: string | null;
}

const FULL_ACCOUNT_NUMBER = '6222021234567890123';
const MASKED_ACCOUNT_NUMBER = '***************0123';

/**
 * Every change to campaigns, rounds, merchants, their keys and settlement runs writes exactly
 * one audit event, with who did it, what it changed (before and after) and the request it
 * came with; a change that fails writes none. The schedule fires every second, so the daily
 * run is requested (and completed) by the system right after start-up.
 */
describe('audit events of campaigns, rounds, merchants, keys and settlement runs', () => {
  let t: TestApp;
  let api: ApiClient;
  let admin: string;
  let operator: { id: string; username: string; token: string };
  let finance: { id: string; username: string; token: string };

  beforeAll(async () => {
    t = await bootTestApp({ SETTLEMENT_CRON: '* * * * * *', SETTLEMENT_RETRY_DELAY_MS: '20', SETTLEMENT_JOB_LOCK_SECONDS: '5' });
    api = new ApiClient(t.baseUrl);
    admin = await bureauToken(api);
    const staffMember = async (role: 'operator' | 'finance') => {
      const created = await makeStaff(api, admin, [role]);
      return { id: created.id, username: created.username, token: await loginAs(api, created) };
    };
    operator = await staffMember('operator');
    finance = await staffMember('finance');
  });
  afterAll(() => t.close());

  /** Every event about one subject, oldest first (an absent before or after as null). */
  const eventsOf = async (type: string, id: string): Promise<AuditEventView[]> => {
    const response = await api.get(`/api/v1/audit/events?limit=500&subjectType=${type}&subjectId=${id}`, { token: admin });
    expect(response.status).toBe(200);
    return (response.body.items as AuditEventView[]).map((event) => ({ before: null, after: null, ...event }));
  };
  const countOf = async (action: string): Promise<number> =>
    (await api.get(`/api/v1/audit/events?limit=1&action=${action}`, { token: admin })).body.total as number;
  const staffActor = (member: { id: string; username: string }) => ({ type: 'staff', id: member.id, name: member.username });
  /** The one event the answer's request wrote about the subject. */
  const lastEventOf = async (type: string, id: string, response: { headers: Headers }): Promise<AuditEventView> => {
    const events = (await eventsOf(type, id)).filter((event) => event.requestId === response.headers.get('x-request-id'));
    expect(events).toHaveLength(1);
    return events[0];
  };

  describe('campaigns and rounds', () => {
    it('records created, updated, published and closed, by the operator, with the campaign before and after', async () => {
      const created = await api.post('/api/v1/campaigns', campaignInput({ budget: 1_000_000 }), { token: operator.token });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      expect(await lastEventOf('campaign', id, created)).toMatchObject({
        actor: staffActor(operator),
        action: 'campaign.created',
        before: null,
        after: { id, status: 'draft', budget: 1_000_000, allocated: 0 },
      });

      const updated = await api.patch(`/api/v1/campaigns/${id}`, { budget: 2_000_000 }, { token: operator.token });
      expect(updated.status).toBe(200);
      expect(await lastEventOf('campaign', id, updated)).toMatchObject({
        actor: staffActor(operator),
        action: 'campaign.updated',
        before: { budget: 1_000_000 },
        after: { budget: 2_000_000 },
      });

      const published = await api.post(`/api/v1/campaigns/${id}/publish`, undefined, { token: operator.token });
      expect(published.status).toBe(200);
      expect(await lastEventOf('campaign', id, published)).toMatchObject({
        action: 'campaign.published',
        before: { status: 'draft', publishedAt: null },
        after: { status: 'active', publishedAt: published.body.publishedAt },
      });

      const closed = await api.post(`/api/v1/campaigns/${id}/close`, undefined, { token: operator.token });
      expect(closed.status).toBe(200);
      expect(await lastEventOf('campaign', id, closed)).toMatchObject({
        action: 'campaign.closed',
        before: { status: 'active', closedAt: null },
        after: { status: 'closed', closedAt: closed.body.closedAt },
      });
      expect((await eventsOf('campaign', id)).map((event) => event.action)).toEqual([
        'campaign.created',
        'campaign.updated',
        'campaign.published',
        'campaign.closed',
      ]);
    });

    it('records a round with the budget it allocates; a round over budget or a refused change records nothing', async () => {
      const campaign = (await api.post('/api/v1/campaigns', campaignInput({ budget: 600_000 }), { token: operator.token })).body;
      const round = await api.post(`/api/v1/campaigns/${campaign.id}/rounds`, roundInput(), { token: operator.token });
      expect(round.status).toBe(201);
      expect(await lastEventOf('round', round.body.id, round)).toMatchObject({
        actor: staffActor(operator),
        action: 'round.created',
        before: { campaignAllocated: 0 },
        after: {
          id: round.body.id,
          campaignId: campaign.id,
          campaignAllocated: 500_000,
          denominations: [{ faceValue: 5000, quantity: 100 }],
        },
      });

      const rounds = await countOf('round.created');
      const overBudget = await api.post(`/api/v1/campaigns/${campaign.id}/rounds`, roundInput(), { token: operator.token });
      expect(overBudget.status).toBe(422);
      expect(overBudget.body.code).toBe('BUDGET_EXCEEDED');
      const budgetBelowAllocation = await api.patch(`/api/v1/campaigns/${campaign.id}`, { budget: 100 }, { token: operator.token });
      expect(budgetBelowAllocation.body.code).toBe('BUDGET_EXCEEDED');
      expect((await api.post(`/api/v1/campaigns/${campaign.id}/publish`, undefined, { token: operator.token })).status).toBe(200);
      const republished = await api.post(`/api/v1/campaigns/${campaign.id}/publish`, undefined, { token: operator.token });
      expect(republished.body.code).toBe('INVALID_STATE');
      expect(await countOf('round.created')).toBe(rounds);
      expect((await eventsOf('campaign', campaign.id)).map((event) => event.action)).toEqual(['campaign.created', 'campaign.published']);
    });
  });

  describe('merchants and their keys', () => {
    it('records a registration (the merchant and its first key) with the account number masked', async () => {
      const registered = await api.post(
        '/api/v1/merchants',
        {
          name: '审计商户',
          themes: ['catering'],
          settlementAccount: { bankName: '中国银行', accountName: '审计', accountNumber: FULL_ACCOUNT_NUMBER },
        },
        { token: operator.token },
      );
      expect(registered.status).toBe(201);
      const merchantId = registered.body.merchant.id as string;
      const [created] = await eventsOf('merchant', merchantId);
      expect(await eventsOf('merchant', merchantId)).toHaveLength(1);
      expect(created).toMatchObject({
        actor: staffActor(operator),
        action: 'merchant.created',
        before: null,
        after: { id: merchantId, status: 'active', themes: ['catering'], settlementAccount: { accountNumber: MASKED_ACCOUNT_NUMBER } },
        requestId: registered.headers.get('x-request-id'),
      });
      const [key] = (await api.get(`/api/v1/merchants/${merchantId}/keys`, { token: operator.token })).body.items;
      expect(await eventsOf('merchant_key', key.id)).toMatchObject([
        { action: 'merchant_key.created', actor: staffActor(operator), after: { merchantId, label: 'registration', revokedAt: null } },
      ]);
      const stored = await t.db.query(`SELECT before, after FROM audit_events WHERE subject_id IN ($1, $2)`, [merchantId, key.id]);
      expect(JSON.stringify(stored)).not.toContain(FULL_ACCOUNT_NUMBER);
      expect(JSON.stringify(stored)).not.toContain(registered.body.apiKey.slice(4));
    });

    it('records a suspension and a change of themes with the merchant before and after; an unknown merchant records nothing', async () => {
      const { merchant } = await makeMerchant(api, admin);
      const suspended = await api.patch(`/api/v1/merchants/${merchant.id}`, { status: 'suspended' }, { token: operator.token });
      expect(suspended.status).toBe(200);
      expect(await lastEventOf('merchant', merchant.id, suspended)).toMatchObject({
        actor: staffActor(operator),
        action: 'merchant.updated',
        before: { status: 'active', themes: ['catering'], settlementAccount: { accountNumber: MASKED_ACCOUNT_NUMBER } },
        after: { status: 'suspended', themes: ['catering'], settlementAccount: { accountNumber: MASKED_ACCOUNT_NUMBER } },
      });
      const themed = await api.patch(`/api/v1/merchants/${merchant.id}`, { themes: ['catering', 'autos'] }, { token: operator.token });
      expect(await lastEventOf('merchant', merchant.id, themed)).toMatchObject({
        before: { status: 'suspended', themes: ['catering'] },
        after: { status: 'suspended', themes: ['catering', 'autos'] },
      });

      const updates = await countOf('merchant.updated');
      const unknown = await api.patch(
        '/api/v1/merchants/00000000-0000-4000-8000-000000000000',
        { status: 'active' },
        { token: operator.token },
      );
      expect(unknown.status).toBe(404);
      expect(await countOf('merchant.updated')).toBe(updates);
    });

    it('records keys created and revoked by the merchant itself or by staff, and a repeated revocation not again', async () => {
      const { merchant, apiKey } = await makeMerchant(api, admin);
      const merchantActor = { type: 'merchant', id: merchant.id };

      const byMerchant = await api.post(`/api/v1/merchants/${merchant.id}/keys`, { label: 'till 2' }, { token: apiKey });
      expect(byMerchant.status).toBe(201);
      const tillKey = byMerchant.body.key.id as string;
      expect(await lastEventOf('merchant_key', tillKey, byMerchant)).toMatchObject({
        actor: merchantActor,
        action: 'merchant_key.created',
        before: null,
        after: { id: tillKey, merchantId: merchant.id, label: 'till 2', revokedAt: null },
      });
      const byStaff = await api.post(`/api/v1/merchants/${merchant.id}/keys`, { label: 'till 3' }, { token: operator.token });
      expect((await lastEventOf('merchant_key', byStaff.body.key.id, byStaff)).actor).toEqual(staffActor(operator));

      const revoked = await api.delete(`/api/v1/merchants/${merchant.id}/keys/${tillKey}`, { token: apiKey });
      expect(revoked.status).toBe(200);
      expect(await lastEventOf('merchant_key', tillKey, revoked)).toMatchObject({
        actor: merchantActor,
        action: 'merchant_key.revoked',
        before: { id: tillKey, revokedAt: null },
        after: { id: tillKey, revokedAt: revoked.body.revokedAt },
      });
      const revokedByStaff = await api.delete(`/api/v1/merchants/${merchant.id}/keys/${byStaff.body.key.id}`, { token: operator.token });
      expect((await lastEventOf('merchant_key', byStaff.body.key.id, revokedByStaff)).actor).toEqual(staffActor(operator));

      const revocations = await countOf('merchant_key.revoked');
      expect((await api.delete(`/api/v1/merchants/${merchant.id}/keys/${tillKey}`, { token: operator.token })).status).toBe(200);
      expect(await countOf('merchant_key.revoked')).toBe(revocations);
      expect((await eventsOf('merchant_key', tillKey)).map((event) => event.action)).toEqual([
        'merchant_key.created',
        'merchant_key.revoked',
      ]);
    });
  });

  describe('settlement runs', () => {
    const runEvents = async (runId: string) =>
      (await eventsOf('settlement_run', runId)).map(({ actor, action, before, after }) => ({ actor, action, before, after }));

    it('records the daily run as requested by the schedule and completed by the system', async () => {
      const scheduled = () =>
        t.db.query<{ id: string }>(`SELECT id FROM settlement_runs WHERE requested_by = 'schedule' AND status = 'completed'`);
      await until('the scheduled run has completed', async () => (await scheduled()).length > 0);
      const [{ id: runId }] = await scheduled();
      expect(await runEvents(runId)).toMatchObject([
        {
          actor: { type: 'system', id: 'settlement.scheduled-run' },
          action: 'settlement_run.requested',
          before: null,
          after: { status: 'queued', requestedBy: 'schedule' },
        },
        {
          actor: { type: 'system', id: 'settlement.run' },
          action: 'settlement_run.completed',
          before: { status: 'running' },
          after: { status: 'completed' },
        },
      ]);
    });

    it('records a run requested by finance and completed with its totals by the system', async () => {
      const requested = await api.post('/api/v1/settlements/runs', {}, { token: finance.token });
      expect(requested.status).toBe(202);
      const run = await waitForRun(api, finance.token, requested.body.id);
      expect(run.status).toBe('completed');
      expect(await runEvents(run.id)).toMatchObject([
        { actor: staffActor(finance), action: 'settlement_run.requested', before: null, after: { id: run.id, status: 'queued' } },
        {
          actor: { type: 'system', id: 'settlement.run' },
          action: 'settlement_run.completed',
          before: { status: 'running' },
          after: { status: 'completed', totals: run.totals },
        },
      ]);
      expect(await eventsOf('settlement_run', run.id)).toHaveLength(2);
    });

    it('records a run that keeps failing once, as failed with its reason, and never as completed', async () => {
      const source = await makeRedemptionSource(api, operator.token);
      const { merchant } = await makeMerchant(api, admin);
      await insertRedemptions(t.db, source, merchant.id, [{ at: new Date(Date.now() - 60_000), faceValue: 700 }]);
      await t.db.query(`
        CREATE FUNCTION refuse_statements() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'ledger closed for audit'; END $$;
        CREATE TRIGGER refuse_statements BEFORE INSERT ON settlement_statements FOR EACH ROW EXECUTE FUNCTION refuse_statements();`);
      try {
        const requested = await api.post('/api/v1/settlements/runs', { cutoff: new Date().toISOString() }, { token: finance.token });
        const run = await waitForRun(api, finance.token, requested.body.id);
        expect(run.status).toBe('failed');
        expect(await runEvents(run.id)).toMatchObject([
          { action: 'settlement_run.requested' },
          {
            actor: { type: 'system', id: 'settlement.run' },
            action: 'settlement_run.failed',
            before: { status: 'running' },
            after: { status: 'failed', error: expect.stringContaining('ledger closed for audit') },
          },
        ]);
        expect(await eventsOf('settlement_run', run.id)).toHaveLength(2);
      } finally {
        await t.db.query(`DROP TRIGGER refuse_statements ON settlement_statements; DROP FUNCTION refuse_statements();`);
      }
    });
  });
});
