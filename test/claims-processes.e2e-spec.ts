import { ApiProcess, startApiProcess } from './support/api-process';
import { claimBurst, createdIds, residentsNamed, runReconcileCommand, tally } from './support/claim-burst';
import { bureauToken, makeOpenRound } from './support/factories';
import { ApiClient } from './support/http';
import { createTestDatabase, createTestRedisUrl, TestDatabase, testEnvironment } from './support/test-app';

/** Needs the build (`npx nest build`): the API runs as real `node dist/src/main.js` processes. */
describe('flash claims across API processes', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let a: ApiProcess;
  let b: ApiProcess;
  let bureau: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The per-resident limit stays at its default (10/min); the per-IP one is lifted for bursts from this one process.
    env = testEnvironment(db, await createTestRedisUrl(), { RATE_LIMITS: 'claims.ip=1000000/60', RUN_WORKER: 'false' });
    [a, b] = await Promise.all([startApiProcess(env), startApiProcess(env)]);
    bureau = await bureauToken(new ApiClient(a.baseUrl));
  });
  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await db?.close();
  });

  const stored = async (denominationId: string) =>
    Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM vouchers WHERE denomination_id = $1', [denominationId]))[0].n);
  const storedIds = async (ids: string[]) =>
    (await db.query<{ id: string }>('SELECT id FROM vouchers WHERE id = ANY($1::uuid[])', [ids])).map((r) => r.id);

  it('(c) two processes share stock, per-resident limits and rate limits exactly', async () => {
    const round = await makeOpenRound(new ApiClient(a.baseUrl), bureau, {
      perResidentLimit: 2,
      denominations: [{ faceValue: 1000, minSpend: 5000, quantity: 300 }],
    });
    const denominationId = round.denominations[0].id;

    const burst = await claimBurst([a.baseUrl, b.baseUrl], residentsNamed('shared', 1000), denominationId);
    expect(createdIds(burst)).toHaveLength(300);
    expect(burst.filter((x) => x.status === 409 && x.body.code === 'SOLD_OUT')).toHaveLength(700);
    expect(await stored(denominationId)).toBe(300);

    // One resident, 30 requests over both processes, limit 2 per round and 10 requests a minute.
    const second = await makeOpenRound(new ApiClient(a.baseUrl), bureau, { perResidentLimit: 2 });
    const greedy = await claimBurst([a.baseUrl, b.baseUrl], Array(30).fill('greedy'), second.denominations[0].id);
    expect(greedy.filter((x) => x.status === 201)).toHaveLength(2);
    expect(greedy.filter((x) => x.status === 409 && x.body.code === 'ALREADY_CLAIMED')).toHaveLength(8);
    expect(greedy.filter((x) => x.status === 429 && x.body.code === 'RATE_LIMITED')).toHaveLength(20);
  });

  it('(d) an API process killed mid-burst loses no voucher it answered 201 for, and reconciliation frees exactly the stranded stock', async () => {
    // More stock than the burst: every request is admitted and written, so the kill cuts writes off mid-flight.
    const quantity = 1000;
    const round = await makeOpenRound(new ApiClient(b.baseUrl), bureau, { denominations: [{ faceValue: 1000, minSpend: 5000, quantity }] });
    const denominationId = round.denominations[0].id;

    let killing: Promise<void> | undefined;
    const burst = await claimBurst([a.baseUrl], residentsNamed('doomed', 800), denominationId, (answer, answered) => {
      if (!killing && answered >= 20) killing = a.kill('SIGKILL');
    });
    await killing;
    const created = createdIds(burst);
    expect(burst.some((x) => x.status === 0)).toBe(true); // the kill really cut requests off
    expect((await storedIds(created)).sort()).toEqual([...created].sort());
    const survived = await stored(denominationId);
    expect(survived).toBeLessThanOrEqual(quantity);

    // `npm run reconcile` rebuilds Redis from the stored vouchers while process B keeps serving.
    expect(await runReconcileCommand(env)).toMatch(/reconciled \d+ claimable rounds/);
    const view = await new ApiClient(b.baseUrl).get(`/api/v1/rounds/${round.id}`);
    expect(view.body.denominations[0].remaining).toBe(quantity - survived);

    // A restarted process (which reconciles at start-up too) and B sell exactly the rest.
    a = await startApiProcess(env);
    const rest = await claimBurst([a.baseUrl, b.baseUrl], residentsNamed('after-crash', quantity + 100), denominationId);
    expect(createdIds(rest)).toHaveLength(quantity - survived);
    expect(await stored(denominationId)).toBe(quantity);
    expect((await new ApiClient(a.baseUrl).get(`/api/v1/rounds/${round.id}`)).body.denominations[0].remaining).toBe(0);
  });
});

describe('the per-IP claim limit across API processes', () => {
  let db: TestDatabase;
  let processes: ApiProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = testEnvironment(db, await createTestRedisUrl(), { RATE_LIMITS: 'claims.ip=25/60', RUN_WORKER: 'false' });
    processes = await Promise.all([startApiProcess(env), startApiProcess(env)]);
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await db?.close();
  });

  it('admits exactly the limit from one address over both processes, not the limit per process', async () => {
    const client = new ApiClient(processes[0].baseUrl);
    const round = await makeOpenRound(client, await bureauToken(client), {
      denominations: [{ faceValue: 1000, minSpend: 5000, quantity: 100 }],
    });
    const answers = await claimBurst(
      processes.map((p) => p.baseUrl),
      residentsNamed('same-nat', 60),
      round.denominations[0].id,
    );
    expect(tally(answers)).toEqual({ '201': 25, '429 RATE_LIMITED': 35 });
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.every((a) => a.body.code === 'RATE_LIMITED' && Number(a.headers?.get('retry-after')) > 0)).toBe(true);
  });
});
