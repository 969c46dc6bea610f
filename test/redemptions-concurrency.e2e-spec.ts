import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { RedemptionsService } from '../src/redemptions/redemptions.service';
import { ApiClient } from './support/http';
import { bureauToken, insertVoucher, makeCampaign, makeMerchant, makeRound } from './support/factories';
import { bootTestApp, TestApp } from './support/test-app';
import { until } from './support/wait';

/**
 * Guarantee 4 under real concurrency: many parallel HTTP requests against one app on the
 * real database. The per-merchant redemption limit is lowered so it can be exercised too.
 */
describe('checkout redemption under concurrency', () => {
  const LIMIT = 150;
  let t: TestApp;
  let api: ApiClient;
  let bureau: string;
  let denominationId: string;

  const merchant = async () => (await makeMerchant(api, bureau)).apiKey;
  const redeem = (token: string, code: string, key: string = randomUUID(), orderAmount = 25000) =>
    api.post('/api/v1/redemptions', { code, orderAmount }, { token, headers: { 'idempotency-key': key } });
  const tally = (statuses: Array<{ status: number; body: { code?: string } }>) => {
    const counts: Record<string, number> = {};
    for (const answer of statuses) {
      const label = answer.status < 300 ? String(answer.status) : `${answer.status} ${answer.body.code}`;
      counts[label] = (counts[label] ?? 0) + 1;
    }
    return counts;
  };

  beforeAll(async () => {
    t = await bootTestApp({ RATE_LIMITS: `redemptions.merchant=${LIMIT}/60` });
    api = new ApiClient(t.baseUrl);
    bureau = await bureauToken(api);
    const campaign = await makeCampaign(api, bureau);
    denominationId = (await makeRound(api, bureau, campaign.id, { denominations: [{ faceValue: 5000, minSpend: 20000, quantity: 5000 }] }))
      .denominations[0].id;
  });

  afterAll(() => t.close());

  it('20 merchants redeeming one code at once: exactly one 201, the rest 409 VOUCHER_ALREADY_REDEEMED', async () => {
    const keys = await Promise.all(Array.from({ length: 20 }, merchant));
    const v = await insertVoucher(t.db, denominationId);
    const answers = await Promise.all(keys.map((key) => redeem(key, v.code)));
    expect(tally(answers)).toEqual({ '201': 1, '409 VOUCHER_ALREADY_REDEEMED': 19 });
    const rows = await t.db.query(`SELECT status FROM redemptions WHERE voucher_id = $1`, [v.id]);
    expect(rows).toEqual([{ status: 'active' }]);
  });

  it('300 racing requests over 100 vouchers: each voucher redeemed exactly once', async () => {
    const keys = await Promise.all([1, 2, 3].map(merchant));
    const vouchers = await Promise.all(Array.from({ length: 100 }, () => insertVoucher(t.db, denominationId)));
    const answers = await Promise.all(vouchers.flatMap((v) => keys.map((key) => redeem(key, v.code))));
    expect(tally(answers)).toEqual({ '201': 100, '409 VOUCHER_ALREADY_REDEEMED': 200 });
    const [stored] = await t.db.query<{ redemptions: string; vouchers: string }>(
      `SELECT count(*) AS redemptions, count(DISTINCT voucher_id) AS vouchers FROM redemptions WHERE voucher_id = ANY($1)`,
      [vouchers.map((v) => v.id)],
    );
    expect(stored).toEqual({ redemptions: '100', vouchers: '100' });
  });

  it('10 parallel requests with one Idempotency-Key: one redemption, identical 2xx bodies, the others 409 IDEMPOTENCY_IN_PROGRESS', async () => {
    const key = await merchant();
    const v = await insertVoucher(t.db, denominationId);
    const idempotencyKey = randomUUID();
    const answers = await Promise.all(Array.from({ length: 10 }, () => redeem(key, v.code, idempotencyKey)));
    const successes = answers.filter((answer) => answer.status === 201);
    expect(successes.length).toBeGreaterThanOrEqual(1);
    expect(new Set(successes.map((answer) => answer.text)).size).toBe(1);
    for (const answer of answers.filter((a) => a.status !== 201))
      expect([answer.status, answer.body.code]).toEqual([409, 'IDEMPOTENCY_IN_PROGRESS']);
    expect(await t.db.query(`SELECT count(*)::int AS n FROM redemptions WHERE voucher_id = $1`, [v.id])).toEqual([{ n: 1 }]);

    // Later, every retry gets the original answer, and a different body is refused.
    const replays = await Promise.all(Array.from({ length: 5 }, () => redeem(key, v.code, idempotencyKey)));
    for (const replay of replays) expect([replay.status, replay.text]).toEqual([201, successes[0].text]);
    const reused = await redeem(key, v.code, idempotencyKey, 30000);
    expect([reused.status, reused.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    expect(await t.db.query(`SELECT count(*)::int AS n FROM redemptions WHERE voucher_id = $1`, [v.id])).toEqual([{ n: 1 }]);
  });

  describe('a retry while its original is inside the one statement (which records the key only as it commits)', () => {
    let blocker: Client;
    /**
     * Calls of the service's `redeem`, counted per test. It looks for an original in the
     * statement before its first await, so a counted call has decided whether to wait for one.
     */
    let serviceCalls: jest.SpiedFunction<RedemptionsService['redeem']>;

    beforeAll(async () => {
      serviceCalls = jest.spyOn(t.app.get(RedemptionsService), 'redeem');
      blocker = new Client({ connectionString: t.db.url });
      await blocker.connect();
    });
    beforeEach(() => serviceCalls.mockClear());

    afterAll(async () => {
      await blocker.end();
      serviceCalls.mockRestore();
    });

    /** Until a statement of the app waits for a lock that `blocker` holds. */
    const statementBlocked = () =>
      until(
        "a statement waiting for the blocker's lock",
        async () => {
          const [{ n }] = await t.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          return n > 0;
        },
        { everyMs: 20 },
      );

    /** Until the service's `redeem` has been called `count` times in this test (see serviceCalls). */
    const reachedService = (count: number) =>
      until(`${count} redemptions to reach the service`, () => serviceCalls.mock.calls.length >= count, { everyMs: 20 });

    it('the same body gets 409 IDEMPOTENCY_IN_PROGRESS, another body 422 IDEMPOTENCY_KEY_REUSED; later retries the original answer', async () => {
      const { apiKey } = await makeMerchant(api, bureau);
      const v = await insertVoucher(t.db, denominationId);
      const idempotencyKey = randomUUID();
      // Holding the voucher's row keeps the original's statement waiting, its key not yet recorded.
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM vouchers WHERE id = $1 FOR UPDATE', [v.id]);
      const original = redeem(apiKey, v.code, idempotencyKey);
      await statementBlocked();
      const sameBody = redeem(apiKey, v.code, idempotencyKey);
      const otherBody = redeem(apiKey, v.code, idempotencyKey, 30000);
      await reachedService(3);
      await blocker.query('ROLLBACK');

      const [first, retry, reused] = await Promise.all([original, sameBody, otherBody]);
      expect(first.status).toBe(201);
      expect([retry.status, retry.body.code, retry.headers.get('retry-after')]).toEqual([409, 'IDEMPOTENCY_IN_PROGRESS', '1']);
      expect([reused.status, reused.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
      const later = await redeem(apiKey, v.code, idempotencyKey);
      expect([later.status, later.text, later.headers.get('idempotent-replayed')]).toEqual([201, first.text, 'true']);
      expect(await t.db.query(`SELECT count(*)::int AS n FROM redemptions WHERE voucher_id = $1`, [v.id])).toEqual([{ n: 1 }]);
    });

    it('retries of a request completed earlier, sent together, all get its answer (none is told it is in progress)', async () => {
      const { apiKey } = await makeMerchant(api, bureau);
      const v = await insertVoucher(t.db, denominationId);
      const idempotencyKey = randomUUID();
      const first = await redeem(apiKey, v.code, idempotencyKey);
      expect(first.status).toBe(201);
      // The first retry's statement waits for the key table; the others arrive meanwhile.
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE idempotency_keys IN SHARE MODE');
      const retries = [redeem(apiKey, v.code, idempotencyKey)];
      await statementBlocked();
      retries.push(...Array.from({ length: 4 }, () => redeem(apiKey, v.code, idempotencyKey)));
      await reachedService(6);
      await blocker.query('ROLLBACK');

      for (const retry of await Promise.all(retries)) {
        expect([retry.status, retry.text, retry.headers.get('idempotent-replayed')]).toEqual([201, first.text, 'true']);
      }
    });
  });

  it("batched in one statement, one request's key conflict never decides another's", async () => {
    // 30 keys each sent with two different vouchers, among 40 independent redemptions, all
    // at once: concurrent redemptions share statements, and a shared key makes a statement
    // fail and be retried one by one.
    const key = await merchant();
    const vouchers = await Promise.all(Array.from({ length: 100 }, () => insertVoucher(t.db, denominationId)));
    const sharedKeys = Array.from({ length: 30 }, () => randomUUID());
    const requests = vouchers.map((v, i) => ({ voucher: v, idempotencyKey: i < 60 ? sharedKeys[i % 30] : randomUUID() }));
    const answers = await Promise.all(requests.map((r) => redeem(key, r.voucher.code, r.idempotencyKey)));

    expect(tally(answers.slice(60))).toEqual({ '201': 40 });
    for (const sharedKey of sharedKeys) {
      const pair = answers.filter((_, i) => requests[i].idempotencyKey === sharedKey);
      expect(pair.filter((answer) => answer.status === 201)).toHaveLength(1);
      for (const other of pair.filter((answer) => answer.status !== 201)) {
        expect(['409 IDEMPOTENCY_IN_PROGRESS', '422 IDEMPOTENCY_KEY_REUSED']).toContain(`${other.status} ${other.body.code}`);
      }
    }
    // A voucher is redeemed exactly when its request got the 201.
    const redeemed = new Set(
      (
        await t.db.query<{ voucher_id: string }>(`SELECT voucher_id FROM redemptions WHERE voucher_id = ANY($1)`, [
          vouchers.map((v) => v.id),
        ])
      ).map((row) => row.voucher_id),
    );
    expect(redeemed).toEqual(new Set(answers.flatMap((answer, i) => (answer.status === 201 ? [requests[i].voucher.id] : []))));
    const [{ n }] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM vouchers WHERE id = ANY($1) AND status = 'redeemed'`, [
      vouchers.map((v) => v.id),
    ]);
    expect(n).toBe(70);
  });

  it('concurrent reversals of one redemption: exactly one succeeds and the voucher is released once', async () => {
    const key = await merchant();
    const v = await insertVoucher(t.db, denominationId);
    const redemption = await redeem(key, v.code);
    expect(redemption.status).toBe(201);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        api.post(
          `/api/v1/redemptions/${redemption.body.id}/reverse`,
          { reason: 'refund' },
          { token: key, headers: { 'idempotency-key': randomUUID() } },
        ),
      ),
    );
    expect(tally(answers)).toEqual({ '200': 1, '409 REVERSAL_NOT_ALLOWED': 9 });
    expect(await t.db.query(`SELECT status FROM vouchers WHERE id = $1`, [v.id])).toEqual([{ status: 'claimed' }]);
  });

  it('a reversal racing a redemption of the released voucher never leaves two active redemptions', async () => {
    const [first, second] = await Promise.all([merchant(), merchant()]);
    const vouchers = await Promise.all(Array.from({ length: 20 }, () => insertVoucher(t.db, denominationId)));
    const redeemed = await Promise.all(vouchers.map((v) => redeem(first, v.code)));
    await Promise.all(
      vouchers.flatMap((v, i) => [
        api.post(
          `/api/v1/redemptions/${redeemed[i].body.id}/reverse`,
          { reason: 'refund' },
          { token: first, headers: { 'idempotency-key': randomUUID() } },
        ),
        redeem(second, v.code),
        redeem(second, v.code),
      ]),
    );
    const rows = await t.db.query<{ active: number; voucher_redeemed: boolean }>(
      `SELECT count(*) FILTER (WHERE r.status = 'active')::int AS active, bool_or(v.status = 'redeemed') AS voucher_redeemed
         FROM vouchers v LEFT JOIN redemptions r ON r.voucher_id = v.id WHERE v.id = ANY($1) GROUP BY v.id`,
      [vouchers.map((v) => v.id)],
    );
    for (const row of rows) {
      // Every voucher is redeemed exactly when it has one active redemption.
      expect(row.active).toBeLessThanOrEqual(1);
      expect(row.voucher_redeemed).toBe(row.active === 1);
    }
  });

  it('limits redemptions per merchant, shared in Redis: 429 RATE_LIMITED with Retry-After', async () => {
    const key = await merchant();
    const answers = await Promise.all(Array.from({ length: LIMIT + 10 }, () => redeem(key, 'ZZZZZZZZZZZZZZZZZZZZ')));
    const counts = tally(answers);
    expect(counts['404 NOT_FOUND']).toBe(LIMIT);
    expect(counts['429 RATE_LIMITED']).toBe(10);
    const limited = answers.find((answer) => answer.status === 429)!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('ratelimit-limit')).toBe(String(LIMIT));
    // Another merchant has its own budget.
    expect((await redeem(await merchant(), 'ZZZZZZZZZZZZZZZZZZZZ')).status).toBe(404);
  });
});
