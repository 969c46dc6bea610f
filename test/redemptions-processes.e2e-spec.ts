import { randomUUID } from 'node:crypto';
import { ApiProcess, startApiProcess } from './support/api-process';
import { ApiClient } from './support/http';
import { bureauToken, insertVoucher, makeCampaign, makeMerchant, makeRound } from './support/factories';
import { bootTestApp, TestApp, testEnvironment } from './support/test-app';

/**
 * Guarantee 4 across API processes sharing one database and Redis, and through a crash:
 * single use and idempotency are decided in PostgreSQL, not in any process's memory.
 * Needs the build (`npx nest build`), as every multi-process test does.
 */
describe('checkout redemption across processes', () => {
  let t: TestApp;
  let api: ApiClient;
  let bureau: string;
  let denominationId: string;
  const processes: ApiProcess[] = [];

  const redeem = (client: ApiClient, token: string, code: string, key: string = randomUUID()) =>
    client.post('/api/v1/redemptions', { code, orderAmount: 25000 }, { token, headers: { 'idempotency-key': key } });

  beforeAll(async () => {
    t = await bootTestApp();
    api = new ApiClient(t.baseUrl);
    bureau = await bureauToken(api);
    const campaign = await makeCampaign(api, bureau);
    denominationId = (await makeRound(api, bureau, campaign.id, { denominations: [{ faceValue: 5000, minSpend: 20000, quantity: 5000 }] }))
      .denominations[0].id;
    processes.push(await startApiProcess(testEnvironment(t.db, t.redisUrl, { RUN_WORKER: 'false' })));
  });

  afterAll(async () => {
    for (const child of processes) await child.kill('SIGKILL');
    await t.close();
  });

  it('merchants on two processes racing for the same vouchers: each voucher redeemed once; one key answered once', async () => {
    const other = new ApiClient(processes[0].baseUrl);
    const keys = await Promise.all(Array.from({ length: 6 }, async () => (await makeMerchant(api, bureau)).apiKey));
    const vouchers = await Promise.all(Array.from({ length: 30 }, () => insertVoucher(t.db, denominationId)));
    const answers = await Promise.all(vouchers.flatMap((v) => keys.map((key, i) => redeem(i % 2 === 0 ? api : other, key, v.code))));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(30);
    expect(answers.filter((a) => a.status !== 201).every((a) => a.body.code === 'VOUCHER_ALREADY_REDEEMED')).toBe(true);

    const v = await insertVoucher(t.db, denominationId);
    const sameKey = randomUUID();
    const racing = await Promise.all(Array.from({ length: 10 }, (_, i) => redeem(i % 2 === 0 ? api : other, keys[0], v.code, sameKey)));
    const created = racing.filter((a) => a.status === 201);
    expect(new Set(created.map((a) => a.text)).size).toBe(1);
    for (const answer of racing.filter((a) => a.status !== 201)) expect(answer.body.code).toBe('IDEMPOTENCY_IN_PROGRESS');
    const replayedElsewhere = await redeem(other, keys[0], v.code, sameKey);
    expect(replayedElsewhere.text).toBe((await redeem(api, keys[0], v.code, sameKey)).text);
    expect(await t.db.query(`SELECT count(*)::int AS n FROM redemptions WHERE voucher_id = $1`, [v.id])).toEqual([{ n: 1 }]);
  });

  it('a process killed mid-redemption loses no redemption it answered 201 for; retries with the same keys redeem each voucher exactly once', async () => {
    const doomed = await startApiProcess(testEnvironment(t.db, t.redisUrl, { RUN_WORKER: 'false' }));
    processes.push(doomed);
    const { apiKey } = await makeMerchant(api, bureau);
    const vouchers = await Promise.all(Array.from({ length: 150 }, () => insertVoucher(t.db, denominationId)));
    const requests = vouchers.map((v) => ({ code: v.code, key: randomUUID() }));
    const doomedClient = new ApiClient(doomed.baseUrl);

    // All sent at once; the process is killed once some have been answered, the rest in flight.
    const KILL_AFTER_ANSWERS = 20;
    let answered = 0;
    let killing: Promise<void> | undefined;
    const firstTries = await Promise.all(
      requests.map(async (r) => {
        const answer = await redeem(doomedClient, apiKey, r.code, r.key).catch(() => undefined); // the connection broke
        if (answer && ++answered === KILL_AFTER_ANSWERS) killing = doomed.kill('SIGKILL');
        return answer;
      }),
    );
    await killing;
    expect(killing).toBeDefined();
    // The kill really cut requests off: sent, never answered.
    expect(firstTries.filter((answer) => answer === undefined).length).toBeGreaterThan(0);
    const answeredBeforeKill = firstTries.filter((answer) => answer !== undefined);
    expect(answeredBeforeKill.map((answer) => answer.status)).toEqual(answeredBeforeKill.map(() => 201));
    const createdIds = answeredBeforeKill.map((answer) => answer.body.id as string);
    const storedIds = await t.db.query<{ id: string }>(`SELECT id FROM redemptions WHERE id = ANY($1::uuid[])`, [createdIds]);
    expect(storedIds.map((row) => row.id).sort()).toEqual([...createdIds].sort());

    // The crashed process's claims are stranded in progress; once their lease has run out
    // (simulated here by ageing them) a retry takes them over.
    await t.db.query(`UPDATE idempotency_keys SET locked_at = now() - interval '10 minutes' WHERE state = 'in_progress'`);
    const retries = await Promise.all(requests.map((r) => redeem(api, apiKey, r.code, r.key)));
    expect(retries.map((a) => a.status)).toEqual(requests.map(() => 201));
    // A retry of an answered request gets that answer again, not a second redemption.
    expect(retries.filter((retry, i) => firstTries[i] && retry.text !== firstTries[i].text)).toEqual([]);
    const [stored] = await t.db.query<{ redemptions: number; vouchers: number; redeemed: number }>(
      `SELECT count(r.id)::int AS redemptions, count(DISTINCT v.id)::int AS vouchers, count(*) FILTER (WHERE v.status = 'redeemed')::int AS redeemed
         FROM vouchers v LEFT JOIN redemptions r ON r.voucher_id = v.id WHERE v.id = ANY($1)`,
      [vouchers.map((v) => v.id)],
    );
    expect(stored).toEqual({ redemptions: 150, vouchers: 150, redeemed: 150 });
    const ids = new Set(retries.map((a) => a.body.id));
    expect(ids.size).toBe(150);
  });
});
