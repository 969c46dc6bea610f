import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { DateTime } from 'luxon';
import { Client } from 'pg';
import {
  bureauToken,
  insertRedemptions,
  makeMerchant,
  makeRedemptionSource,
  RedemptionSource,
  reverseRedemptions,
  waitForRun,
} from './support/factories';
import { bullConnection, SETTLEMENT_JOBS, SETTLEMENT_QUEUE } from '../src/queues/queues';
import { SETTLEMENT_STOPPING_LINE } from '../src/settlement/settlement.processor';
import { ApiClient } from './support/http';
import { settlementProblems } from './support/settlement-invariants';
import { bootTestApp, TestApp, testEnvironment } from './support/test-app';
import { startWorkerProcess, WorkerProcess } from './support/worker-process';
import { startApiProcess } from './support/api-process';
import { until } from './support/wait';

const minutesAgo = (minutes: number): Date => new Date(Date.now() - minutes * 60_000);
const WORKER_ENV = { SETTLEMENT_JOB_LOCK_SECONDS: '3', SETTLEMENT_RECOVERY_SECONDS: '1', SETTLEMENT_RETRY_DELAY_MS: '100' };

/**
 * Runs carried out by separate worker processes (`node dist/src/worker.js`): the API here
 * runs without a worker, so nothing is settled unless a worker process does it.
 */
describe('settlement workers (separate processes)', () => {
  let t: TestApp;
  let api: ApiClient;
  let bureau: string;
  let source: RedemptionSource;
  const workers: WorkerProcess[] = [];

  const startWorker = async (env: Record<string, string> = {}): Promise<WorkerProcess> => {
    const worker = await startWorkerProcess(testEnvironment(t.db, t.redisUrl, { ...WORKER_ENV, ...env }));
    workers.push(worker);
    return worker;
  };
  const stopWorkers = async (): Promise<void> => {
    await Promise.all(workers.splice(0).map((worker) => worker.kill('SIGTERM')));
  };

  beforeAll(async () => {
    t = await bootTestApp({ RUN_WORKER: 'false', ...WORKER_ENV });
    api = new ApiClient(t.baseUrl);
    bureau = await bureauToken(api);
    source = await makeRedemptionSource(api, bureau);
  });
  afterEach(stopWorkers);
  afterAll(async () => {
    await stopWorkers();
    await t.close();
  });

  async function startRun(cutoff: Date): Promise<string> {
    const response = await api.post('/api/v1/settlements/runs', { cutoff: cutoff.toISOString() }, { token: bureau });
    expect(response.status).toBe(202);
    return response.body.id as string;
  }

  async function seedMerchants(count: number, perMerchant: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = (await makeMerchant(api, bureau)).merchant.id;
      const rows = Array.from({ length: perMerchant }, () => ({
        at: minutesAgo(1 + Math.random() * 60),
        faceValue: 1 + Math.floor(Math.random() * 10000),
      }));
      await insertRedemptions(t.db, source, id, rows);
      ids.push(id);
    }
    return ids.sort();
  }

  it('re-enqueues a queued run after Redis lost its data, and completes it', async () => {
    const [merchant] = await seedMerchants(1, 5);
    const runId = await startRun(new Date());
    const redis = new Redis(t.redisUrl);
    expect(await redis.exists(`bull:settlement:${runId}`)).toBe(1);
    await redis.flushdb();
    await redis.quit();

    const unfinished = await api.get(`/api/v1/settlements/runs/${runId}/payouts.csv`, { token: bureau });
    expect([unfinished.status, unfinished.body.code]).toEqual([409, 'INVALID_STATE']);

    await startWorker();
    const run = await waitForRun(api, bureau, runId);
    expect(run.status).toBe('completed');
    const [statement] = await t.db.query<{ redemption_count: number }>(
      `SELECT redemption_count FROM settlement_statements WHERE run_id = $1 AND merchant_id = $2`,
      [runId, merchant],
    );
    expect(statement.redemption_count).toBe(5);
    expect(await settlementProblems(t.db)).toEqual([]);
  });

  it('settles exactly once when a worker is killed (SIGKILL) mid-run and another takes over', async () => {
    const merchants = await seedMerchants(6, 30);
    // Hold one merchant's redemptions locked so the run is certainly in the middle of its work
    // (other merchants' statements committed, this one's transaction in flight) when killed.
    const blocked = merchants[2];
    const holder = new Client({ connectionString: t.db.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM redemptions WHERE merchant_id = $1 FOR UPDATE', [blocked]);

    const first = await startWorker();
    const runId = await startRun(new Date());
    const others = merchants.filter((id) => id !== blocked);
    await until('the other merchants to be settled', async () => {
      const [row] = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM settlement_statements WHERE run_id = $1 AND merchant_id = ANY($2::uuid[])`,
        [runId, others],
      );
      return row.n === others.length;
    });
    const [inFlight] = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`,
    );
    expect(inFlight.n).toBeGreaterThan(0);
    expect((await api.get(`/api/v1/settlements/runs/${runId}`, { token: bureau })).body.status).toBe('running');

    await first.kill('SIGKILL');
    await holder.query('ROLLBACK');
    await holder.end();

    await startWorker();
    const run = await waitForRun(api, bureau, runId);
    expect(run.status).toBe('completed');
    expect(run.attempts).toBeGreaterThanOrEqual(2);
    const statements = await t.db.query<{ merchant_id: string; n: number }>(
      `SELECT merchant_id, count(*)::int AS n FROM settlement_statements WHERE run_id = $1 AND merchant_id = ANY($2::uuid[]) GROUP BY merchant_id`,
      [runId, merchants],
    );
    expect(statements).toHaveLength(6);
    expect(statements.every((s) => s.n === 1)).toBe(true);
    const [unsettled] = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM redemptions WHERE merchant_id = ANY($1::uuid[]) AND settlement_statement_id IS NULL`,
      [merchants],
    );
    expect(unsettled.n).toBe(0);
    expect(run.totals.redemptions).toBe(6 * 30);
    expect(await settlementProblems(t.db)).toEqual([]);
  });

  it('hands the run back on SIGTERM (after the merchant in hand) and another worker finishes it', async () => {
    const merchants = await seedMerchants(6, 10);
    // Both of the run's lanes (it settles two merchants at a time) wait on the first two merchants.
    const holder = new Client({ connectionString: t.db.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM redemptions WHERE merchant_id = ANY($1::uuid[]) FOR UPDATE', [merchants.slice(0, 2)]);

    const first = await startWorker({ LOG_LEVEL: 'info' }); // for its stopping line
    const runId = await startRun(new Date());
    await until('the run to wait on the locked merchants', async () => {
      const [row] = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`,
      );
      return row.n >= 2;
    });
    const exited = new Promise<number | null>((resolve) => first.child.once('exit', (code) => resolve(code)));
    first.child.kill('SIGTERM');
    await until('the worker to stop starting merchants', () => first.output().includes(SETTLEMENT_STOPPING_LINE), {
      detail: () => first.output(),
    });
    await holder.query('ROLLBACK');
    await holder.end();
    expect(await exited).toBe(0);

    const [handedBack] = await t.db.query<{ status: string; n: number }>(
      `SELECT u.status, (SELECT count(*) FROM settlement_statements s WHERE s.run_id = u.id)::int AS n FROM settlement_runs u WHERE u.id = $1`,
      [runId],
    );
    expect(handedBack.status).toBe('running');
    expect(handedBack.n).toBe(2); // the two merchants in hand were finished, nothing more was started

    await startWorker();
    const run = await waitForRun(api, bureau, runId);
    expect(run.status).toBe('completed');
    expect(run.error).toBeNull();
    const [counts] = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM settlement_statements WHERE run_id = $1 AND merchant_id = ANY($2::uuid[])`,
      [runId, merchants],
    );
    expect(counts.n).toBe(merchants.length);
    expect(await settlementProblems(t.db)).toEqual([]);
  });

  it('never counts a redemption twice when two runs with overlapping cutoffs run at once on several workers', async () => {
    const merchants = await seedMerchants(24, 25);
    const settledEarlier = (
      await t.db.query<{ id: string }>(`SELECT id FROM redemptions WHERE merchant_id = ANY($1::uuid[]) LIMIT 40`, [merchants])
    ).map((r) => r.id);
    await Promise.all([startWorker(), startWorker(), startWorker()]);
    const warmUp = await waitForRun(api, bureau, await startRun(minutesAgo(30)));
    expect(warmUp.status).toBe('completed');
    await reverseRedemptions(t.db, settledEarlier, minutesAgo(0.5));
    for (const id of merchants) await insertRedemptions(t.db, source, id, [{ at: minutesAgo(0.2), faceValue: 777 }]);

    const [a, b] = await Promise.all([startRun(minutesAgo(20)), startRun(new Date())]);
    const [runA, runB] = await Promise.all([waitForRun(api, bureau, a), waitForRun(api, bureau, b)]);
    expect([runA.status, runB.status]).toEqual(['completed', 'completed']);

    const [left] = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM redemptions WHERE merchant_id = ANY($1::uuid[])
          AND (settlement_statement_id IS NULL OR (status = 'reversed' AND reversal_statement_id IS NULL))`,
      [merchants],
    );
    expect(left.n).toBe(0);
    const [sums] = await t.db.query<{ gross: string; linked: string }>(
      `SELECT (SELECT sum(gross) FROM settlement_statements WHERE run_id = ANY($1::uuid[])) AS gross,
              (SELECT sum(r.face_value) FROM redemptions r JOIN settlement_statements s ON s.id = r.settlement_statement_id
                WHERE s.run_id = ANY($1::uuid[]) AND r.reversal_statement_id IS DISTINCT FROM r.settlement_statement_id) AS linked`,
      [[a, b]],
    );
    expect(sums.gross).toBe(sums.linked);
    const [counted] = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM redemptions WHERE merchant_id = ANY($1::uuid[]) AND reversal_statement_id IS DISTINCT FROM settlement_statement_id`,
      [merchants],
    );
    expect(runA.totals.redemptions + runB.totals.redemptions + warmUp.totals.redemptions).toBe(counted.n);
    const [statements] = await t.db.query<{ n: number; pairs: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT (run_id, merchant_id))::int AS pairs FROM settlement_statements WHERE run_id = ANY($1::uuid[])`,
      [[a, b]],
    );
    expect(statements.n).toBe(statements.pairs);
    expect(await settlementProblems(t.db)).toEqual([]);
  });

  it('runs the worker inside an API process when RUN_WORKER is on (npm start)', async () => {
    const [merchant] = await seedMerchants(1, 3);
    const apiProcess = await startApiProcess(testEnvironment(t.db, t.redisUrl, { ...WORKER_ENV, RUN_WORKER: 'true' }));
    try {
      const viaProcess = new ApiClient(apiProcess.baseUrl);
      const response = await viaProcess.post('/api/v1/settlements/runs', { cutoff: new Date().toISOString() }, { token: bureau });
      expect(response.status).toBe(202);
      const run = await waitForRun(viaProcess, bureau, response.body.id);
      expect(run.status).toBe('completed');
      const statements = await viaProcess.get(`/api/v1/settlements/statements?runId=${run.id}&merchantId=${merchant}`, { token: bureau });
      expect(statements.body.items[0].redemptionCount).toBe(3);
      expect((await viaProcess.get('/admin/queues')).status).toBe(401);
    } finally {
      const exited = new Promise<number | null>((resolve) => apiProcess.child.once('exit', (code) => resolve(code)));
      await apiProcess.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it('starts the daily run from the job scheduler at SETTLEMENT_CRON, once per cutoff however often it fires', async () => {
    const worker = await startWorkerProcess(testEnvironment(t.db, t.redisUrl, { ...WORKER_ENV, SETTLEMENT_CRON: '* * * * * *' }));
    workers.push(worker);
    await until('a scheduled run to complete', async () => {
      const rows = await t.db.query(`SELECT 1 FROM settlement_runs WHERE requested_by = 'schedule' AND status = 'completed'`);
      return rows.length > 0;
    });
    // It keeps firing every second: each firing is a job of the schedule's that the worker completes.
    const queue = new Queue(SETTLEMENT_QUEUE, { connection: bullConnection(t.redisUrl) });
    try {
      const firings = async () => (await queue.getJobs(['completed'])).filter((job) => job.name === SETTLEMENT_JOBS.scheduledRun).length;
      const firedSoFar = await firings();
      await until('the schedule to fire twice more', async () => (await firings()) >= firedSoFar + 2);
    } finally {
      await queue.close();
    }
    const runs = await t.db.query<{ cutoff: Date }>(`SELECT cutoff FROM settlement_runs WHERE requested_by = 'schedule'`);
    expect(runs).toHaveLength(1);
    expect(runs[0].cutoff.toISOString()).toBe(DateTime.now().setZone(t.config.campaignTimezone).startOf('day').toJSDate().toISOString());
  });
});
