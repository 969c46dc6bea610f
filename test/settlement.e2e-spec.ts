import { DateTime } from 'luxon';
import {
  bureauToken,
  insertRedemptions,
  makeMerchant,
  makeRedemptionSource,
  merchantToken,
  RedemptionSource,
  residentToken,
  reverseRedemptions,
  waitForRun,
} from './support/factories';
import { ApiClient } from './support/http';
import { measureGrowth } from './support/metrics';
import { until } from './support/wait';
import { settlementProblems } from './support/settlement-invariants';
import { bootTestApp, TestApp, TEST_ADMIN } from './support/test-app';

const minutesAgo = (minutes: number): Date => new Date(Date.now() - minutes * 60_000);

describe('settlement (API with the worker in process)', () => {
  let t: TestApp;
  let api: ApiClient;
  let bureau: string;
  let source: RedemptionSource;

  beforeAll(async () => {
    t = await bootTestApp({ SETTLEMENT_RECOVERY_SECONDS: '1', SETTLEMENT_RETRY_DELAY_MS: '20', SETTLEMENT_JOB_LOCK_SECONDS: '5' });
    api = new ApiClient(t.baseUrl);
    bureau = await bureauToken(api);
    source = await makeRedemptionSource(api, bureau);
  });
  afterAll(async () => {
    await t.close();
  });

  async function startRun(cutoff?: Date): Promise<string> {
    const response = await api.post('/api/v1/settlements/runs', cutoff ? { cutoff: cutoff.toISOString() } : {}, { token: bureau });
    expect(response.status).toBe(202);
    expect(response.body.status).toBe('queued');
    return response.body.id as string;
  }

  async function settle(cutoff: Date = new Date()): Promise<any> {
    const run = await waitForRun(api, bureau, await startRun(cutoff));
    expect(run).toMatchObject({ status: 'completed', error: null });
    return run;
  }

  async function statementsOf(merchantId: string): Promise<any[]> {
    const response = await api.get(`/api/v1/settlements/statements?merchantId=${merchantId}&limit=500`, { token: bureau });
    expect(response.status).toBe(200);
    return (response.body.items as any[]).sort((a, b) => a.sequence - b.sequence);
  }

  /** Approves every statement of a run: only approved statements reach its payouts file. */
  async function approveAll(runId: string): Promise<void> {
    const page = await api.get(`/api/v1/settlements/statements?runId=${runId}&limit=500`, { token: bureau });
    for (const statement of page.body.items as Array<{ id: string }>) {
      expect((await api.post(`/api/v1/settlements/statements/${statement.id}/approve`, undefined, { token: bureau })).status).toBe(200);
    }
  }

  const merchant = async (overrides: Record<string, unknown> = {}) => (await makeMerchant(api, bureau, overrides)).merchant.id;

  it('settles what was redeemed before the cutoff into one statement per merchant, and the rest in the next run', async () => {
    const a = await merchant();
    const b = await merchant();
    await insertRedemptions(t.db, source, a, [
      { at: minutesAgo(60), faceValue: 5000 },
      { at: minutesAgo(59), faceValue: 5000 },
      { at: minutesAgo(58), faceValue: 1234 },
      { at: minutesAgo(5), faceValue: 700 },
    ]);
    await insertRedemptions(t.db, source, b, [{ at: minutesAgo(40), faceValue: 2500 }]);

    const first = await settle(minutesAgo(30));
    expect(first.totals.statements).toBeGreaterThanOrEqual(2);
    const [aFirst] = await statementsOf(a);
    expect(aFirst).toMatchObject({
      runId: first.id,
      merchantId: a,
      redemptionCount: 3,
      gross: 11234,
      deductions: 0,
      net: 11234,
      status: 'pending',
    });
    expect((await statementsOf(b))[0]).toMatchObject({ runId: first.id, redemptionCount: 1, gross: 2500, net: 2500 });

    const second = await settle();
    const aStatements = await statementsOf(a);
    expect(aStatements).toHaveLength(2);
    expect(aStatements[1]).toMatchObject({ runId: second.id, sequence: 2, redemptionCount: 1, gross: 700, net: 700 });
    expect(await statementsOf(b)).toHaveLength(1);
    expect(await settlementProblems(t.db)).toEqual([]);
  });

  it('deducts a reversal of a settled redemption in the next statement, carrying what the gross cannot cover', async () => {
    const m = await merchant();
    const paid = await insertRedemptions(t.db, source, m, [
      { at: minutesAgo(50), faceValue: 5000 },
      { at: minutesAgo(50), faceValue: 5000 },
    ]);
    await settle();
    await reverseRedemptions(t.db, paid, minutesAgo(1));
    await insertRedemptions(t.db, source, m, [{ at: minutesAgo(1), faceValue: 3000 }]);
    await settle();
    await insertRedemptions(t.db, source, m, [{ at: minutesAgo(1), faceValue: 10000 }]);
    await settle();

    const [one, two, three] = await statementsOf(m);
    expect(one).toMatchObject({ gross: 10000, deductions: 0, net: 10000, carriedForward: 0 });
    expect(two).toMatchObject({
      redemptionCount: 1,
      reversalCount: 2,
      gross: 3000,
      deductions: 3000,
      net: 0,
      carriedIn: 0,
      carriedForward: 7000,
    });
    expect(three).toMatchObject({ redemptionCount: 1, gross: 10000, carriedIn: 7000, deductions: 7000, net: 3000, carriedForward: 0 });
    expect(await settlementProblems(t.db)).toEqual([]);
  });

  it('links a redemption reversed before it was ever settled, counting it nowhere, and never picks it up again', async () => {
    const m = await merchant();
    const [voided] = await insertRedemptions(t.db, source, m, [{ at: minutesAgo(20), faceValue: 4000 }]);
    await insertRedemptions(t.db, source, m, [{ at: minutesAgo(20), faceValue: 1000 }]);
    await reverseRedemptions(t.db, [voided], minutesAgo(10));
    await settle();
    await settle();
    const statements = await statementsOf(m);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ redemptionCount: 1, voidedCount: 1, reversalCount: 0, gross: 1000, deductions: 0, net: 1000 });
    const [row] = await t.db.query<any>('SELECT settlement_statement_id, reversal_statement_id FROM redemptions WHERE id = $1', [voided]);
    expect(row).toEqual({ settlement_statement_id: statements[0].id, reversal_statement_id: statements[0].id });
  });

  it('holds the invariant over random redemptions and reversals across several runs', async () => {
    const merchants = await Promise.all(Array.from({ length: 5 }, () => merchant()));
    const all: string[] = [];
    for (let round = 0; round < 6; round++) {
      for (const m of merchants) {
        const count = Math.floor(Math.random() * 8);
        const rows = Array.from({ length: count }, () => ({
          at: minutesAgo(Math.random() * 120),
          faceValue: 1 + Math.floor(Math.random() * 20000),
        }));
        all.push(...(await insertRedemptions(t.db, source, m, rows)));
      }
      const reversing = all.filter(() => Math.random() < 0.15);
      await reverseRedemptions(t.db, reversing, minutesAgo(Math.random() * 5));
      await settle(minutesAgo(Math.random() * 60));
    }
    await settle();
    expect(await settlementProblems(t.db)).toEqual([]);
    const [left] = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM redemptions WHERE settlement_statement_id IS NULL OR (status = 'reversed' AND reversal_statement_id IS NULL)`,
    );
    expect(left.n).toBe(0);
  });

  it('writes the bank payout file: RFC 4180, UTF-8 with BOM, Chinese intact, yuan with two decimals, full account numbers', async () => {
    const tricky = await merchant({
      name: '老王烧烤, "总店"',
      settlementAccount: { bankName: '中国工商银行 杭州分行', accountName: '王大"锤"', accountNumber: '6222020200112233445' },
    });
    const plain = await merchant({
      name: '小李面馆',
      settlementAccount: { bankName: '农业银行', accountName: '李四', accountNumber: '6228480012345678' },
    });
    const nothing = await merchant({ name: '零元商户' });
    await insertRedemptions(t.db, source, tricky, [
      { at: minutesAgo(3), faceValue: 12345 },
      { at: minutesAgo(3), faceValue: 5 },
    ]);
    await insertRedemptions(t.db, source, plain, [{ at: minutesAgo(3), faceValue: 100 }]);
    const [gone] = await insertRedemptions(t.db, source, nothing, [{ at: minutesAgo(3), faceValue: 100 }]);
    await reverseRedemptions(t.db, [gone], minutesAgo(2));
    const run = await settle();
    await approveAll(run.id);

    const response = await fetch(`${t.baseUrl}/api/v1/settlements/runs/${run.id}/payouts.csv`, {
      headers: { authorization: `Bearer ${bureau}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(text.endsWith('\r\n')).toBe(true);
    const lines = text.split('\r\n').slice(0, -1);
    expect(lines[0]).toBe('merchant,bank,account_holder,account_number,amount_yuan,statement_id');
    const [trickyStatement] = await statementsOf(tricky);
    const [plainStatement] = await statementsOf(plain);
    expect(lines).toContain(`"老王烧烤, ""总店""",中国工商银行 杭州分行,"王大""锤""",6222020200112233445,123.50,${trickyStatement.id}`);
    expect(lines).toContain(`小李面馆,农业银行,李四,6228480012345678,1.00,${plainStatement.id}`);
    expect(text).not.toContain('零元商户');
    expect(lines).toHaveLength(
      1 + run.totals.statements - (await t.db.query(`SELECT id FROM settlement_statements WHERE run_id = $1 AND net = 0`, [run.id])).length,
    );

    // Merchants may not download it; an unfinished or unknown run has none.
    expect((await api.get(`/api/v1/settlements/runs/${run.id}/payouts.csv`, { token: merchantToken(plain) })).status).toBe(403);
    expect((await api.get(`/api/v1/settlements/runs/00000000-0000-4000-8000-000000000000/payouts.csv`, { token: bureau })).body.code).toBe(
      'NOT_FOUND',
    );
  });

  it('writes a merchant and account holder named as spreadsheet formulas as inert text in the payout file', async () => {
    const formula = await merchant({
      name: '=HYPERLINK("http://x","y")',
      settlementAccount: { bankName: '@SUM(1)', accountName: '-2+3+cmd', accountNumber: '6222020200112233446' },
    });
    await insertRedemptions(t.db, source, formula, [{ at: minutesAgo(3), faceValue: 250 }]);
    const run = await settle();
    await approveAll(run.id);
    const file = await api.get(`/api/v1/settlements/runs/${run.id}/payouts.csv`, { token: bureau });
    expect(file.status).toBe(200);
    const [statement] = await statementsOf(formula);
    expect(file.text.split('\r\n')).toContain(
      `"'=HYPERLINK(""http://x"",""y"")",'@SUM(1),'-2+3+cmd,6222020200112233446,2.50,${statement.id}`,
    );
  });

  it('records an approved statement as paid once (409 INVALID_STATE before approval and after), with the bank reference', async () => {
    const m = await merchant();
    await insertRedemptions(t.db, source, m, [{ at: minutesAgo(2), faceValue: 8800 }]);
    await settle();
    const [statement] = await statementsOf(m);
    expect(statement.bankReference).toBeUndefined();
    const early = await api.post(`/api/v1/settlements/statements/${statement.id}/paid`, { bankReference: 'X' }, { token: bureau });
    expect([early.status, early.body.code]).toEqual([409, 'INVALID_STATE']);
    expect((await api.post(`/api/v1/settlements/statements/${statement.id}/approve`, undefined, { token: bureau })).status).toBe(200);

    const bad = await api.post(`/api/v1/settlements/statements/${statement.id}/paid`, { bankReference: '  ' }, { token: bureau });
    expect(bad.status).toBe(400);
    expect((await api.post(`/api/v1/settlements/statements/${statement.id}/paid`, {}, { token: bureau })).status).toBe(400);
    expect(
      (await api.post(`/api/v1/settlements/statements/${statement.id}/paid`, { bankReference: 'X', extra: 1 }, { token: bureau })).status,
    ).toBe(400);
    expect(
      (await api.post(`/api/v1/settlements/statements/${statement.id}/paid`, { bankReference: 'X' }, { token: merchantToken(m) })).status,
    ).toBe(403);

    const paid = await api.post(
      `/api/v1/settlements/statements/${statement.id}/paid`,
      { bankReference: 'ICBC-20261126-0001' },
      { token: bureau },
    );
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ id: statement.id, status: 'paid', bankReference: 'ICBC-20261126-0001' });
    const again = await api.post(
      `/api/v1/settlements/statements/${statement.id}/paid`,
      { bankReference: 'ICBC-20261126-0002' },
      { token: bureau },
    );
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('INVALID_STATE');
    expect((await statementsOf(m))[0]).toMatchObject({ status: 'paid', bankReference: 'ICBC-20261126-0001' });
    const unknown = await api.post(
      `/api/v1/settlements/statements/00000000-0000-4000-8000-000000000000/paid`,
      { bankReference: 'X' },
      { token: bureau },
    );
    expect(unknown.status).toBe(404);
  });

  it('shows merchants only their own statements; runs are for the bureau; residents get nothing', async () => {
    const mine = await merchant();
    const theirs = await merchant();
    await insertRedemptions(t.db, source, mine, [{ at: minutesAgo(2), faceValue: 100 }]);
    await insertRedemptions(t.db, source, theirs, [{ at: minutesAgo(2), faceValue: 200 }]);
    const run = await settle();
    const token = merchantToken(mine);

    const own = await api.get('/api/v1/settlements/statements', { token });
    expect(own.status).toBe(200);
    expect(own.body.total).toBe(1);
    expect(own.body.items.every((s: any) => s.merchantId === mine)).toBe(true);
    expect((await api.get(`/api/v1/settlements/statements?runId=${run.id}`, { token })).body.items.map((s: any) => s.merchantId)).toEqual([
      mine,
    ]);
    const other = await api.get(`/api/v1/settlements/statements?merchantId=${theirs}`, { token });
    expect(other.status).toBe(403);
    expect(other.body.code).toBe('FORBIDDEN');
    for (const path of ['/api/v1/settlements/runs', `/api/v1/settlements/runs/${run.id}`]) {
      expect((await api.get(path, { token })).status).toBe(403);
    }
    expect((await api.post('/api/v1/settlements/runs', {}, { token })).status).toBe(403);

    const resident = residentToken('resident-1');
    expect((await api.get('/api/v1/settlements/statements', { token: resident })).status).toBe(403);
    expect((await api.get('/api/v1/settlements/runs', { token: resident })).status).toBe(403);
    expect((await api.get('/api/v1/settlements/statements')).status).toBe(401);

    const bureauView = await api.get(`/api/v1/settlements/statements?runId=${run.id}&limit=500`, { token: bureau });
    expect(bureauView.body.items.map((s: any) => s.merchantId)).toEqual(expect.arrayContaining([mine, theirs]));
  });

  it('refuses malformed run requests (a cutoff in the future among them) and creates nothing', async () => {
    const before = (await api.get('/api/v1/settlements/runs', { token: bureau })).body.total;
    const future = await api.post('/api/v1/settlements/runs', { cutoff: new Date(Date.now() + 3600_000).toISOString() }, { token: bureau });
    expect(future.status).toBe(400);
    expect(future.body.code).toBe('VALIDATION_FAILED');
    for (const body of [{ cutoff: '2026-01-01' }, { cutoff: 12 }, { cutoff: 'yesterday' }, { cutoff: null }, { other: 1 }]) {
      const response = await api.post('/api/v1/settlements/runs', body, { token: bureau });
      expect([response.status, response.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect(
      (
        await api.post('/api/v1/settlements/runs', undefined, {
          token: bureau,
          raw: '{"cutoff":',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(400);
    expect((await api.get('/api/v1/settlements/runs/not-a-uuid', { token: bureau })).status).toBe(400);
    expect((await api.get('/api/v1/settlements/runs/00000000-0000-4000-8000-000000000000', { token: bureau })).status).toBe(404);
    expect((await api.get('/api/v1/settlements/statements?runId=nope', { token: bureau })).status).toBe(400);
    expect((await api.get('/api/v1/settlements/runs?limit=501', { token: bureau })).status).toBe(400);
    expect((await api.get('/api/v1/settlements/runs', { token: bureau })).body.total).toBe(before);
  });

  it('defaults the cutoff to the start of today in the campaign time zone', async () => {
    const id = await startRun();
    const run = await waitForRun(api, bureau, id);
    const expected = DateTime.now().setZone(t.config.campaignTimezone).startOf('day').toJSDate().toISOString();
    expect(run.cutoff).toBe(expected);
    expect(run.status).toBe('completed');
  });

  it('ends a run that keeps failing as failed with its reason, having changed nothing; a later run settles the rows', async () => {
    const m = await merchant();
    await insertRedemptions(t.db, source, m, [{ at: minutesAgo(2), faceValue: 900 }]);
    const growth = await measureGrowth(api, [
      'juhui_settlement_jobs_total{outcome="failed"}',
      'juhui_settlement_jobs_total{outcome="retried"}',
      'juhui_settlement_jobs_total{outcome="completed"}',
    ]);
    await t.db.query(`
      CREATE FUNCTION refuse_statements() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'ledger closed for audit'; END $$;
      CREATE TRIGGER refuse_statements BEFORE INSERT ON settlement_statements FOR EACH ROW EXECUTE FUNCTION refuse_statements();`);
    try {
      const failed = await waitForRun(api, bureau, await startRun(new Date()));
      expect(failed.status).toBe('failed');
      expect(failed.error).toContain('ledger closed for audit');
      expect(failed.attempts).toBe(5);
      const file = await api.get(`/api/v1/settlements/runs/${failed.id}/payouts.csv`, { token: bureau });
      expect(file.status).toBe(200); // (fetch's text() drops the BOM)
      expect(file.text).toBe('merchant,bank,account_holder,account_number,amount_yuan,statement_id\r\n');
    } finally {
      await t.db.query(`DROP TRIGGER refuse_statements ON settlement_statements; DROP FUNCTION refuse_statements();`);
    }
    expect(await statementsOf(m)).toHaveLength(0);
    await settle();
    expect((await statementsOf(m))[0]).toMatchObject({ gross: 900, net: 900 });
    // The worker counts a job's outcome just after it records the run's: wait for the last one.
    let counted: Record<string, number> = {};
    await until('the completed job to be counted', async () => {
      counted = await growth();
      return counted['juhui_settlement_jobs_total{outcome="completed"}'] > 0;
    });
    expect(counted).toEqual({
      'juhui_settlement_jobs_total{outcome="failed"}': 1,
      'juhui_settlement_jobs_total{outcome="retried"}': 4,
      'juhui_settlement_jobs_total{outcome="completed"}': 1,
    });
  });

  it('serves the queue board to bureau staff only (bearer or session cookie)', async () => {
    const anonymous = await api.get('/admin/queues');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
    const asMerchant = await api.get('/admin/queues/api/queues', { token: merchantToken('00000000-0000-4000-8000-000000000001') });
    expect(asMerchant.status).toBe(403);
    expect(asMerchant.body.code).toBe('FORBIDDEN');

    const page = await api.get('/admin/queues', { token: bureau });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const login = await api.post('/api/v1/auth/login', TEST_ADMIN);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    const queues = await api.get('/admin/queues/api/queues', { headers: { cookie } });
    expect(queues.status).toBe(200);
    expect(JSON.stringify(queues.body)).toContain('settlement');
  });
});
