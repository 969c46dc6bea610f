import { Job, Queue } from 'bullmq';
import {
  AUDIT_JOBS,
  AUDIT_QUEUE,
  MAINTENANCE_QUEUE,
  SETTLEMENT_JOBS,
  SETTLEMENT_QUEUE,
  STATS_JOBS,
  STATS_QUEUE,
  bullConnection,
} from '../src/queues/queues';
import { bootTestApp, TestApp, testEnvironment } from './support/test-app';
import { until } from './support/wait';
import { startWorkerProcess, WorkerProcess } from './support/worker-process';

const RECOVERY_SECONDS = 1;
const PERIODS = 6;

/** The instant a repeating job was scheduled for: BullMQ names each `repeat:<scheduler id>:<millis>`. */
function scheduledFor(job: Job): number {
  return Number(job.id?.split(':').pop());
}

/**
 * Repeating jobs are BullMQ job schedulers, one per deployment: with two worker processes
 * registering them, each period's job runs once, not once per process. And an API process
 * with RUN_WORKER=false consumes nothing and schedules nothing.
 */
/**
 * The consumers of `queue` connected to this test's Redis database. BullMQ lists workers by
 * CLIENT LIST, which spans the whole server: the other Jest workers' databases are on it too.
 */
async function consumers(queue: Queue, redisUrl: string): Promise<Array<Record<string, string>>> {
  const db = new URL(redisUrl).pathname.slice(1);
  return (await queue.getWorkers()).filter((client) => client.db === db);
}

describe('repeating jobs across processes', () => {
  let t: TestApp;
  const queues: Record<string, Queue> = {};
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    t = await bootTestApp({ RUN_WORKER: 'false', SETTLEMENT_RECOVERY_SECONDS: String(RECOVERY_SECONDS) });
    for (const name of [SETTLEMENT_QUEUE, MAINTENANCE_QUEUE, STATS_QUEUE, AUDIT_QUEUE]) {
      queues[name] = new Queue(name, { connection: bullConnection(t.redisUrl) });
    }
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill('SIGTERM')));
    await Promise.all(Object.values(queues).map((queue) => queue.close()));
    await t.close();
  });

  it('an API process without the worker consumes no queue and registers no schedule', async () => {
    for (const queue of Object.values(queues)) {
      expect(await consumers(queue, t.redisUrl)).toEqual([]);
      expect(await queue.getJobSchedulers()).toEqual([]);
    }
  });

  it('two worker processes run each period of a repeating job once', async () => {
    const env = testEnvironment(t.db, t.redisUrl, { SETTLEMENT_RECOVERY_SECONDS: String(RECOVERY_SECONDS) });
    workers.push(...(await Promise.all([startWorkerProcess(env), startWorkerProcess(env)])));
    // Both processes consume every queue…
    for (const queue of Object.values(queues)) {
      await until(`two consumers of ${queue.name}`, async () => (await consumers(queue, t.redisUrl)).length === 2);
    }
    // …and registered one schedule per repeating job between them.
    expect((await queues[SETTLEMENT_QUEUE].getJobSchedulers()).map((s) => s.key).sort()).toEqual([
      'settlement-daily',
      'settlement-recovery',
    ]);
    expect((await queues[STATS_QUEUE].getJobSchedulers()).map((s) => s.key)).toEqual([STATS_JOBS.compact]);
    expect((await queues[AUDIT_QUEUE].getJobSchedulers()).map((s) => s.key).sort()).toEqual(
      [AUDIT_JOBS.checkpoint, AUDIT_JOBS.dailySeal].sort(),
    );

    const completed = async (queue: Queue, name: string): Promise<Job[]> =>
      (await queue.getJobs(['completed'], 0, -1)).filter((job) => job.name === name);
    await until(
      `${PERIODS} recovery sweeps`,
      async () => (await completed(queues[SETTLEMENT_QUEUE], SETTLEMENT_JOBS.recovery)).length >= PERIODS,
    );

    for (const [queue, name, everyMs] of [
      [queues[SETTLEMENT_QUEUE], SETTLEMENT_JOBS.recovery, RECOVERY_SECONDS * 1000],
      [queues[STATS_QUEUE], STATS_JOBS.compact, 2000],
    ] as const) {
      const perPeriod = new Map<number, number>();
      for (const job of await completed(queue, name)) {
        const period = Math.floor(scheduledFor(job) / everyMs);
        perPeriod.set(period, (perPeriod.get(period) ?? 0) + 1);
      }
      expect(perPeriod.size).toBeGreaterThan(0);
      expect([...perPeriod.values()].filter((runs) => runs !== 1)).toEqual([]);
    }
  });
});
