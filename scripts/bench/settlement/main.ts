import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { runMigrations } from '../../../src/database/migrate';
import { bullConnection, SETTLEMENT_QUEUE } from '../../../src/queues/queues';
import { EmbeddedPostgres } from '../../dev/embedded-postgres';
import { EmbeddedRedis } from '../../dev/embedded-redis';
import { SETTLEMENT_JOBS } from '../../../src/queues/queues';
import { BENCH_AUDIT_SIGNING_KEY } from '../harness/stack';

/**
 * npm run bench:settlement — 1,000,000 redemptions over 1,000 merchants, generated straight
 * into a fresh embedded PostgreSQL, settled by one run on a real worker process
 * (dist/src/worker.js). Prints the run's time, the worker's peak RSS (VmHWM from /proc),
 * and a same-run baseline: a plain SELECT sum(face_value) over the same rows.
 * Env: BENCH_REDEMPTIONS, BENCH_MERCHANTS to scale it.
 */
const REDEMPTIONS = Number(process.env.BENCH_REDEMPTIONS ?? 1_000_000);
const MERCHANTS = Number(process.env.BENCH_MERCHANTS ?? 1_000);
const TARGET_SECONDS = 60;
const TARGET_MB = 300;
const GIVE_UP_MS = 10 * 60_000;

const seconds = (fromMs: number): number => (performance.now() - fromMs) / 1000;

async function generate(db: Client): Promise<void> {
  const [campaign] = (
    await db.query(`INSERT INTO campaigns (name, theme, budget, allocated, starts_at, ends_at, status)
                    VALUES ('基准活动', 'catering', 1000000000000, 0, now() - interval '60 days', now() + interval '60 days', 'active') RETURNING id`)
  ).rows;
  const [round] = (
    await db.query(
      `INSERT INTO rounds (campaign_id, name, claim_opens_at, claim_closes_at, per_resident_limit, voucher_valid_from, voucher_valid_until)
                    VALUES ($1, '第一期', now() - interval '30 days', now() - interval '29 days', 1, now() - interval '30 days', now() + interval '30 days') RETURNING id`,
      [campaign.id],
    )
  ).rows;
  const [denomination] = (
    await db.query(
      `INSERT INTO denominations (round_id, campaign_id, position, face_value, min_spend, quantity)
                    VALUES ($1, $2, 0, 5000, 20000, $3) RETURNING id`,
      [round.id, campaign.id, REDEMPTIONS],
    )
  ).rows;
  await db.query(
    `INSERT INTO merchants (name, themes, bank_name, account_name, account_number)
     SELECT '商户' || i, '{catering}', '中国银行', '户名' || i, '6222' || lpad(i::text, 15, '0')
       FROM generate_series(1, $1) i`,
    [MERCHANTS],
  );
  await db.query(
    `WITH ids AS (SELECT array_agg(id ORDER BY id) AS merchant FROM merchants),
     voucher AS (
       INSERT INTO vouchers (code, resident_id, campaign_id, round_id, denomination_id, theme, face_value, min_spend,
                             valid_from, valid_until, status, claimed_at, redeemed_at)
       SELECT 'B' || lpad(i::text, 12, '0'), 'resident-' || i, $1, $2, $3, 'catering', 100 * (1 + i % 97), 20000,
              now() - interval '30 days', now() + interval '30 days', 'redeemed', now() - interval '20 days',
              now() - interval '1 hour' - (i % 86400) * interval '10 seconds'
         FROM generate_series(1, $4) i
       RETURNING id, code, face_value, redeemed_at
     )
     INSERT INTO redemptions (voucher_id, merchant_id, campaign_id, round_id, denomination_id, code, face_value, order_amount, discount, payable, redeemed_at)
     SELECT v.id, ids.merchant[1 + substr(v.code, 2)::int % $5], $1, $2, $3, v.code, v.face_value, 20000, v.face_value, 20000 - v.face_value, v.redeemed_at
       FROM voucher v, ids`,
    [campaign.id, round.id, denomination.id, REDEMPTIONS, MERCHANTS],
  );
  await db.query('VACUUM ANALYZE');
}

/** Resident set of a process from /proc (Linux): VmHWM is its peak, VmRSS its current size. */
function rssMb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'juhui-bench-settlement-'));
  const postgres = new EmbeddedPostgres({ dataDir: join(dir, 'postgres'), database: 'juhui_bench' });
  const redis = new EmbeddedRedis({ dataDir: join(dir, 'redis'), appendOnly: false });
  const giveUp = setTimeout(() => {
    process.stderr.write('benchmark gave up after 10 minutes\n');
    process.exit(2);
  }, GIVE_UP_MS);
  const databaseUrl = await postgres.start();
  const redisUrl = await redis.start();
  const db = new Client({ connectionString: databaseUrl });
  let worker: ReturnType<typeof spawn> | undefined;
  try {
    await runMigrations(databaseUrl);
    await db.connect();
    process.stdout.write(
      `settlement benchmark: ${REDEMPTIONS.toLocaleString('en')} redemptions over ${MERCHANTS.toLocaleString('en')} merchants\n`,
    );
    let started = performance.now();
    await generate(db);
    process.stdout.write(`  generated the rows (not timed)    ${seconds(started).toFixed(1)} s\n`);

    const cutoff = new Date();
    started = performance.now();
    const baseline = (
      await db.query(
        `SELECT count(*)::int AS n, sum(face_value)::text AS total FROM redemptions WHERE settlement_statement_id IS NULL AND redeemed_at < $1`,
        [cutoff],
      )
    ).rows[0];
    const baselineSeconds = seconds(started);

    worker = spawn(process.execPath, [join(__dirname, '..', '..', '..', 'src', 'worker.js')], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        DATA_DIR: dir,
        AUTH_JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
        AUDIT_SIGNING_KEY: BENCH_AUDIT_SIGNING_KEY,
        BUREAU_ADMIN_PASSWORD: 'bench-password',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const child = worker;
    await new Promise<void>((ready, fail) => {
      child.stdout?.on('data', (chunk: Buffer) => chunk.toString('utf8').includes('Juhui worker is running') && ready());
      child.once('exit', (code) => fail(new Error(`worker exited with ${code}`)));
    });

    const idleMb = rssMb(child.pid ?? 0, 'VmRSS');
    const queue = new Queue(SETTLEMENT_QUEUE, { connection: bullConnection(redisUrl) });
    const [run] = (
      await db.query(`INSERT INTO settlement_runs (cutoff, status, requested_by) VALUES ($1, 'queued', 'bench') RETURNING id`, [cutoff])
    ).rows;
    started = performance.now();
    await queue.add(SETTLEMENT_JOBS.run, { runId: run.id }, { jobId: run.id });
    await queue.close();
    let state: { status: string; error: string | null; statements: number; redemptions: number; net: string; busy: number };
    let runPeakMb = idleMb;
    for (;;) {
      runPeakMb = Math.max(runPeakMb, rssMb(child.pid ?? 0, 'VmRSS'));
      state = (
        await db.query(
          `SELECT status, error, statements, redemptions, net::text, extract(epoch FROM finished_at - started_at)::float AS busy FROM settlement_runs WHERE id = $1`,
          [run.id],
        )
      ).rows[0];
      if (state.status === 'completed' || state.status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const runSeconds = seconds(started);
    const peakMb = rssMb(child.pid ?? 0, 'VmHWM');
    if (state.status !== 'completed') throw new Error(`run failed: ${state.error}`);
    const [left] = (await db.query(`SELECT count(*)::int AS n FROM redemptions WHERE settlement_statement_id IS NULL`)).rows;
    const exact = state.redemptions === baseline.n && state.net === baseline.total && left.n === 0 && state.statements === MERCHANTS;

    process.stdout.write(
      [
        `  baseline: SELECT sum(face_value)  ${baselineSeconds.toFixed(2)} s (${baseline.n} rows)`,
        `  settlement run                    ${runSeconds.toFixed(1)} s (worker busy ${state.busy.toFixed(1)} s), ${(runSeconds / baselineSeconds).toFixed(0)}× the baseline`,
        `  statements ${state.statements}, redemptions ${state.redemptions}, net ${state.net} fen = baseline sum ${baseline.total}: ${exact ? 'exact' : 'MISMATCH'}`,
        `  worker peak RSS                   ${peakMb.toFixed(0)} MB over its life (start-up included); ${idleMb.toFixed(0)} MB when ready, at most ${runPeakMb.toFixed(0)} MB sampled during the run`,
        `  targets: ≤ ${TARGET_SECONDS} s ${runSeconds <= TARGET_SECONDS ? 'met' : 'MISSED'}, ≤ ${TARGET_MB} MB ${peakMb <= TARGET_MB ? 'met' : 'MISSED'}`,
        '',
      ].join('\n'),
    );
    if (!exact) process.exitCode = 1;
  } finally {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker?.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    }
    await db.end().catch(() => undefined);
    await redis.stop();
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
    clearTimeout(giveUp);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
