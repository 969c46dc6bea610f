import {
  bureauToken,
  insertRedemptions,
  loginAs,
  makeCampaign,
  makeMerchant,
  makeRound,
  makeStaff,
  merchantToken,
  RedemptionSource,
  reverseRedemptions,
  waitForRun,
} from './support/factories';
import { ApiClient } from './support/http';
import { bootTestApp, TestApp } from './support/test-app';

const minutesAgo = (minutes: number): Date => new Date(Date.now() - minutes * 60_000);
const NO_STATEMENT = '00000000-0000-4000-8000-000000000000';

/** What the tests of both FOUR_EYES settings need: an app, its admin, a redemption source. */
function statementHarness(env: Record<string, string> = {}) {
  const h = {} as { t: TestApp; api: ApiClient; admin: string; source: RedemptionSource };
  beforeAll(async () => {
    h.t = await bootTestApp(env);
    h.api = new ApiClient(h.t.baseUrl);
    h.admin = await bureauToken(h.api);
    // A draft campaign is enough for stored redemptions, and needs no second person to publish under FOUR_EYES.
    const campaign = await makeCampaign(h.api, h.admin, {}, false);
    const round = await makeRound(h.api, h.admin, campaign.id);
    h.source = { campaignId: campaign.id, roundId: round.id, denominationId: round.denominations[0].id };
  });
  afterAll(() => h.t.close());

  /** Requests a run as `token` (cutoff: now unless given), waits for it, and returns it. */
  const settle = async (token = h.admin, cutoff = new Date()) => {
    const started = await h.api.post('/api/v1/settlements/runs', { cutoff: cutoff.toISOString() }, { token });
    expect(started.status).toBe(202);
    const run = await waitForRun(h.api, token, started.body.id as string);
    expect(run.status).toBe('completed');
    return run;
  };

  /** A new merchant with one statement of `faceValue` fen, settled in a run requested by `token`. */
  const statementOf = async (faceValue = 5000, token = h.admin) => {
    const merchantId = (await makeMerchant(h.api, h.admin)).merchant.id;
    await insertRedemptions(h.t.db, h.source, merchantId, [{ at: minutesAgo(5), faceValue }]);
    const run = await settle(token);
    const page = await h.api.get(`/api/v1/settlements/statements?runId=${run.id}&merchantId=${merchantId}`, { token: h.admin });
    expect(page.body.items).toHaveLength(1);
    return { merchantId, run, statement: page.body.items[0] };
  };

  const act = (id: string, action: 'approve' | 'hold' | 'release' | 'paid', token: string, body?: unknown) =>
    h.api.post(
      `/api/v1/settlements/statements/${id}/${action}`,
      body ?? (action === 'hold' ? { reason: 'checking the account' } : action === 'paid' ? { bankReference: 'ICBC-1' } : undefined),
      { token },
    );

  const statusOf = async (id: string) =>
    (await h.t.db.query<{ status: string }>(`SELECT status FROM settlement_statements WHERE id = $1`, [id]))[0].status;

  return { h, settle, statementOf, act, statusOf };
}

describe('statements: approval, holds, payment (FOUR_EYES off)', () => {
  const { h, settle, statementOf, act, statusOf } = statementHarness({ FOUR_EYES: 'false' });

  it('goes pending → approved → paid, a hold returning it to the status it had, each step audited with its actor', async () => {
    const { statement } = await statementOf(7300);
    expect(statement).toMatchObject({ status: 'pending', approvedBy: null, approvedAt: null });

    const heldPending = await act(statement.id, 'hold', h.admin, { reason: '核对账户 account check' });
    expect(heldPending.status).toBe(200);
    expect(heldPending.body).toMatchObject({ status: 'held', hold: { reason: '核对账户 account check', from: 'pending' } });
    expect((await act(statement.id, 'release', h.admin)).body).toMatchObject({ status: 'pending' });
    expect((await act(statement.id, 'release', h.admin)).body).toMatchObject({ statusCode: 409, code: 'INVALID_STATE' });

    const approved = await act(statement.id, 'approve', h.admin);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved' });
    expect(approved.body.approvedBy).toMatch(/^bureau:/);
    expect(Date.parse(approved.body.approvedAt)).not.toBeNaN();
    expect((await act(statement.id, 'hold', h.admin)).body).toMatchObject({ status: 'held', hold: { from: 'approved' } });
    const whileHeld = await act(statement.id, 'paid', h.admin);
    expect([whileHeld.status, whileHeld.body.code]).toEqual([409, 'INVALID_STATE']);
    expect((await act(statement.id, 'release', h.admin)).body).toMatchObject({ status: 'approved' });

    const paid = await act(statement.id, 'paid', h.admin, { bankReference: 'ICBC-20261201-7' });
    expect(paid.body).toMatchObject({ status: 'paid', bankReference: 'ICBC-20261201-7', paidBy: approved.body.approvedBy });
    const got = await h.api.get(`/api/v1/settlements/statements/${statement.id}`, { token: h.admin });
    expect(got.body).toEqual(paid.body);

    const events = await h.api.get(`/api/v1/audit/events?subjectType=statement&subjectId=${statement.id}&limit=500`, { token: h.admin });
    const steps = (events.body.items as any[])
      .sort((a, b) => a.seq - b.seq)
      .map((event) => [event.action, event.before?.status, event.after?.status, event.actor.type, event.actor.name]);
    expect(steps).toEqual([
      ['statement.held', 'pending', 'held', 'staff', 'admin'],
      ['statement.released', 'held', 'pending', 'staff', 'admin'],
      ['statement.approved', 'pending', 'approved', 'staff', 'admin'],
      ['statement.held', 'approved', 'held', 'staff', 'admin'],
      ['statement.released', 'held', 'approved', 'staff', 'admin'],
      ['statement.paid', 'approved', 'paid', 'staff', 'admin'],
    ]);
    expect((events.body.items as any[]).find((e) => e.action === 'statement.paid').after.bankReference).toBe('ICBC-20261201-7');
  });

  it('answers 409 INVALID_STATE to every move its state does not allow, changing nothing', async () => {
    const { statement } = await statementOf();
    const refused = async (action: 'approve' | 'hold' | 'release' | 'paid') => {
      const before = await statusOf(statement.id);
      const answer = await act(statement.id, action, h.admin);
      expect({ action, before, status: answer.status, code: answer.body.code }).toEqual({
        action,
        before,
        status: 409,
        code: 'INVALID_STATE',
      });
      expect(await statusOf(statement.id)).toBe(before);
    };
    await refused('release');
    await refused('paid');
    expect((await act(statement.id, 'approve', h.admin)).status).toBe(200);
    await refused('approve');
    await refused('release');
    expect((await act(statement.id, 'paid', h.admin)).status).toBe(200);
    for (const action of ['approve', 'hold', 'release', 'paid'] as const) await refused(action);

    const zero = await makeMerchant(h.api, h.admin);
    const [gone] = await insertRedemptions(h.t.db, h.source, zero.merchant.id, [{ at: minutesAgo(5), faceValue: 100 }]);
    await reverseRedemptions(h.t.db, [gone], minutesAgo(4));
    await settle();
    const [nothing] = (await h.api.get(`/api/v1/settlements/statements?merchantId=${zero.merchant.id}`, { token: h.admin })).body.items;
    expect(nothing.net).toBe(0);
    expect((await act(nothing.id, 'approve', h.admin)).status).toBe(200);
    const zeroPaid = await act(nothing.id, 'paid', h.admin);
    expect([zeroPaid.status, zeroPaid.body.code]).toEqual([409, 'INVALID_STATE']);
  });

  it('lets exactly one of 20 parallel approvals, and of 20 parallel payments, through', async () => {
    const { statement } = await statementOf();
    const approvals = await Promise.all(Array.from({ length: 20 }, () => act(statement.id, 'approve', h.admin)));
    expect(approvals.map((a) => a.status).sort()).toEqual([200, ...Array<number>(19).fill(409)]);
    const payments = await Promise.all(
      Array.from({ length: 20 }, (_, i) => act(statement.id, 'paid', h.admin, { bankReference: `PARALLEL-${i}` })),
    );
    expect(payments.map((p) => p.status).sort()).toEqual([200, ...Array<number>(19).fill(409)]);
    const winner = payments.find((p) => p.status === 200)!.body.bankReference;
    expect((await h.api.get(`/api/v1/settlements/statements/${statement.id}`, { token: h.admin })).body.bankReference).toBe(winner);
    const [events] = await h.t.db.query<{ approved: number; paid: number }>(
      `SELECT count(*) FILTER (WHERE action = 'statement.approved')::int AS approved, count(*) FILTER (WHERE action = 'statement.paid')::int AS paid
         FROM audit_events WHERE subject_id = $1`,
      [statement.id],
    );
    expect(events).toEqual({ approved: 1, paid: 1 });
  });

  it('lets one finance member request, approve and pay while the rule is off', async () => {
    const finance = await loginAs(h.api, await makeStaff(h.api, h.admin, ['finance']));
    const { statement } = await statementOf(4200, finance);
    expect((await act(statement.id, 'approve', finance)).status).toBe(200);
    expect((await act(statement.id, 'paid', finance)).body).toMatchObject({ status: 'paid' });
  });

  it('puts only approved statements with a positive net into the payouts file', async () => {
    const names = ['待批 pending', '已批 approved', '暂扣 held', '已付 paid', '零元 zero'];
    const ids: Record<string, string> = {};
    for (const name of names) {
      ids[name] = (await makeMerchant(h.api, h.admin, { name })).merchant.id;
      const [row] = await insertRedemptions(h.t.db, h.source, ids[name], [{ at: minutesAgo(5), faceValue: 1250 }]);
      if (name === '零元 zero') await reverseRedemptions(h.t.db, [row], minutesAgo(4));
    }
    const run = await settle();
    const statementOfMerchant = async (name: string) =>
      (await h.api.get(`/api/v1/settlements/statements?runId=${run.id}&merchantId=${ids[name]}`, { token: h.admin })).body.items[0];
    for (const name of names.slice(1)) expect((await act((await statementOfMerchant(name)).id, 'approve', h.admin)).status).toBe(200);
    expect((await act((await statementOfMerchant('暂扣 held')).id, 'hold', h.admin)).status).toBe(200);
    expect((await act((await statementOfMerchant('已付 paid')).id, 'paid', h.admin)).status).toBe(200);

    const file = await h.api.get(`/api/v1/settlements/runs/${run.id}/payouts.csv`, { token: h.admin });
    expect(file.status).toBe(200);
    const lines = file.text.split('\r\n').slice(1, -1);
    expect(lines).toEqual([`已批 approved,中国银行,测试商户,6222021234567890123,12.50,${(await statementOfMerchant('已批 approved')).id}`]);

    const approvedOnly = await h.api.get(`/api/v1/settlements/statements?runId=${run.id}&status=approved&limit=500`, { token: h.admin });
    expect(approvedOnly.body.items.map((s: any) => s.merchantId).sort()).toEqual([ids['已批 approved'], ids['零元 zero']].sort());
    const held = await h.api.get(`/api/v1/settlements/statements?runId=${run.id}&status=held`, { token: h.admin });
    expect(held.body.items.map((s: any) => s.merchantId)).toEqual([ids['暂扣 held']]);
  });

  it('refuses malformed state changes and queries with 400 and unknown statements with 404, changing nothing', async () => {
    const { statement } = await statementOf();
    for (const body of [{}, { reason: '' }, { reason: '   ' }, { reason: 'x'.repeat(501) }, { reason: 'ok', extra: 1 }, { reason: 7 }]) {
      const answer = await act(statement.id, 'hold', h.admin, body);
      expect({ body, status: answer.status, code: answer.body.code }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
    }
    expect((await act('not-a-uuid', 'approve', h.admin)).status).toBe(400);
    expect((await h.api.get('/api/v1/settlements/statements?status=bogus', { token: h.admin })).body.code).toBe('VALIDATION_FAILED');
    for (const action of ['approve', 'hold', 'release', 'paid'] as const) {
      expect((await act(NO_STATEMENT, action, h.admin)).body.code).toBe('NOT_FOUND');
    }
    expect((await h.api.get(`/api/v1/settlements/statements/${NO_STATEMENT}`, { token: h.admin })).status).toBe(404);
    expect((await h.api.get(`/api/v1/settlements/statements/${NO_STATEMENT}/lines.csv`, { token: h.admin })).status).toBe(404);
    expect(await statusOf(statement.id)).toBe('pending');
  });

  it('shows a merchant its own statement and lines, and refuses another merchant’s (403)', async () => {
    const mine = await statementOf(600);
    const theirs = await statementOf(700);
    const token = merchantToken(mine.merchantId);
    expect((await h.api.get(`/api/v1/settlements/statements/${mine.statement.id}`, { token })).body).toMatchObject({ net: 600 });
    expect((await h.api.get(`/api/v1/settlements/statements/${mine.statement.id}/lines.csv`, { token })).status).toBe(200);
    for (const path of [
      `/api/v1/settlements/statements/${theirs.statement.id}`,
      `/api/v1/settlements/statements/${theirs.statement.id}/lines.csv`,
    ]) {
      const answer = await h.api.get(path, { token });
      expect([answer.status, answer.body.code]).toEqual([403, 'FORBIDDEN']);
    }
  });

  it('lists in lines.csv every redemption, reversal and carried amount, adding up to each statement fen for fen', async () => {
    const m = (await makeMerchant(h.api, h.admin)).merchant.id;
    const other = (await makeMerchant(h.api, h.admin)).merchant.id;
    // Run 1: three redemptions settled, one reversed before it was ever settled.
    const [r1, r2] = await insertRedemptions(h.t.db, h.source, m, [
      { at: minutesAgo(60), faceValue: 5000 },
      { at: minutesAgo(59), faceValue: 3000 },
      { at: minutesAgo(58), faceValue: 2000 },
    ]);
    const [early] = await insertRedemptions(h.t.db, h.source, m, [{ at: minutesAgo(57), faceValue: 1500 }]);
    await reverseRedemptions(h.t.db, [early], minutesAgo(56));
    await insertRedemptions(h.t.db, h.source, other, [{ at: minutesAgo(55), faceValue: 999 }]);
    await settle(h.admin, minutesAgo(40));
    // Run 2: two settled redemptions reversed after settlement outweigh the new gross: carried forward.
    await reverseRedemptions(h.t.db, [r1, r2], minutesAgo(30));
    await insertRedemptions(h.t.db, h.source, m, [{ at: minutesAgo(25), faceValue: 1000 }]);
    await settle(h.admin, minutesAgo(20));
    // Run 3: the carried amount comes in and is taken from a larger gross.
    await insertRedemptions(h.t.db, h.source, m, [
      { at: minutesAgo(10), faceValue: 10000 },
      { at: minutesAgo(9), faceValue: 1 },
    ]);
    await settle();

    const statements = (await h.api.get(`/api/v1/settlements/statements?merchantId=${m}`, { token: h.admin })).body.items as any[];
    statements.sort((a, b) => a.sequence - b.sequence);
    expect(statements.map((s) => [s.gross, s.deductions, s.net, s.carriedIn, s.carriedForward])).toEqual([
      [10000, 0, 10000, 0, 0],
      [1000, 1000, 0, 0, 7000],
      [10001, 7000, 3001, 7000, 0],
    ]);
    const auditor = await loginAs(h.api, await makeStaff(h.api, h.admin, ['auditor']));
    for (const statement of statements) {
      const file = await h.api.get(`/api/v1/settlements/statements/${statement.id}/lines.csv`, { token: auditor });
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const [header, ...rows] = file.text.split('\r\n').slice(0, -1);
      const columns = header.split(',');
      expect(columns).toEqual([
        'kind',
        'redemption_id',
        'order_ref',
        'redeemed_at',
        'reversed_at',
        'face_value_fen',
        'gross_fen',
        'deduction_fen',
        'net_fen',
        'gross_yuan',
        'deduction_yuan',
        'net_yuan',
      ]);
      const lines = rows.map((row) => Object.fromEntries(row.split(',').map((cell, i) => [columns[i], cell])));
      const sum = (column: string) => lines.reduce((total, line) => total + Number(line[column]), 0);
      const count = (kind: string) => lines.filter((line) => line.kind === kind).length;
      expect({ gross: sum('gross_fen'), deductions: sum('deduction_fen'), net: sum('net_fen') }).toEqual({
        gross: statement.gross,
        deductions: statement.deductions,
        net: statement.net,
      });
      expect([count('redemption'), count('reversal'), count('reversed_before_settlement')]).toEqual([
        statement.redemptionCount,
        statement.reversalCount,
        statement.voidedCount,
      ]);
      expect([count('carried_in'), count('carried_forward')]).toEqual([
        Number(statement.carriedIn > 0),
        Number(statement.carriedForward > 0),
      ]);
      for (const line of lines) {
        expect(Math.round(Number(line.net_yuan) * 100)).toBe(Number(line.net_fen));
        expect(Math.round(Number(line.gross_yuan) * 100) - Math.round(Number(line.deduction_yuan) * 100)).toBe(Number(line.net_fen));
      }
    }
    const firstLines = (await h.api.get(`/api/v1/settlements/statements/${statements[0].id}/lines.csv`, { token: h.admin })).text;
    expect(firstLines).toContain(`reversed_before_settlement,${early},`);
    const secondLines = (await h.api.get(`/api/v1/settlements/statements/${statements[1].id}/lines.csv`, { token: h.admin })).text;
    expect(secondLines).toContain(`reversal,${r1},`);
    expect(secondLines).toContain(`reversal,${r2},`);
  });
});

describe('statements: the four-eyes rule (FOUR_EYES on)', () => {
  const { h, statementOf, act, statusOf } = statementHarness({ FOUR_EYES: 'true' });
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    alice = await loginAs(h.api, await makeStaff(h.api, h.admin, ['finance'], 'finance.alice'));
    bob = await loginAs(h.api, await makeStaff(h.api, h.admin, ['finance'], 'finance.bob'));
  });

  const refusedFourEyes = async (id: string, action: 'approve' | 'paid', token: string) => {
    const before = await statusOf(id);
    const answer = await act(id, action, token);
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 403, code: 'FOUR_EYES_REQUIRED' });
    expect(await statusOf(id)).toBe(before);
  };

  it('is approved by someone other than who requested its run, and paid by someone other than its approver', async () => {
    const { statement } = await statementOf(3300, alice);
    await refusedFourEyes(statement.id, 'approve', alice);
    expect((await act(statement.id, 'approve', bob)).body).toMatchObject({ status: 'approved' });
    await refusedFourEyes(statement.id, 'paid', bob);
    expect((await act(statement.id, 'paid', alice)).body).toMatchObject({ status: 'paid' });
    const [events] = await h.t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE subject_id = $1 AND action LIKE 'statement.%'`,
      [statement.id],
    );
    expect(events.n).toBe(2);
  });

  it('lets any finance member approve a scheduled run’s statement, but not also pay it', async () => {
    const { run, statement } = await statementOf(3400, alice);
    await h.t.db.query(`UPDATE settlement_runs SET requested_by = 'schedule' WHERE id = $1`, [run.id]);
    expect((await act(statement.id, 'approve', alice)).status).toBe(200);
    await refusedFourEyes(statement.id, 'paid', alice);
    expect((await act(statement.id, 'paid', bob)).status).toBe(200);
  });

  it('lets one person hold and release', async () => {
    const { statement } = await statementOf(3500, alice);
    expect((await act(statement.id, 'hold', alice)).status).toBe(200);
    expect((await act(statement.id, 'release', alice)).body).toMatchObject({ status: 'pending' });
  });
});
