import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Pool } from 'pg';
import { runMigrations } from '../../../src/database/migrate';
import { EmbeddedPostgres } from '../../../src/runtime/embedded-postgres';
import { EmbeddedRedis } from '../../../src/runtime/embedded-redis';
import { freePort, stopChild } from '../../../src/runtime/processes';
import { generateVoucherCode } from '../../../src/vouchers/voucher-code';
import { combine, HttpAnswer, HttpClient, LoadResult, runLoad } from './load';

/**
 * Redemptions per second and p99 over distinct vouchers, through real HTTP with merchant
 * API keys, against the real API process (built from dist) on embedded PostgreSQL and
 * Redis; and, in the same run, the framework ceiling: the same process's trivial
 * GET /health/live under the same load. Loopback only, bounded in time.
 *
 *   npm run bench:redemptions [-- --seconds 10 --slices 5 --concurrency 32 --merchants 8 --vouchers 60000 --wait-events]
 */
const ADMIN = { username: 'admin', password: 'bench-admin-password' };
const JWT_SECRET = 'bench-secret-for-jwt-signing-0123456789abcdef';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '32' },
      merchants: { type: 'string', default: '8' },
      slices: { type: 'string', default: '5' },
      vouchers: { type: 'string', default: '60000' },
      'wait-events': { type: 'boolean', default: false },
    },
  });
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  const merchantCount = Number(values.merchants);
  const voucherCount = Number(values.vouchers);
  const slices = Number(values.slices);

  const dir = mkdtempSync(join(tmpdir(), 'juhui-bench-redemptions-'));
  const postgres = new EmbeddedPostgres({ dataDir: join(dir, 'postgres'), database: 'juhui_bench', settings: { max_connections: '200' } });
  const redis = new EmbeddedRedis({ dataDir: join(dir, 'redis'), appendOnly: true });
  let api: ReturnType<typeof spawn> | undefined;
  try {
    const databaseUrl = await postgres.start();
    const redisUrl = await redis.start();
    await runMigrations(databaseUrl);

    const port = await freePort();
    // BENCH_API_NODE_ARGS="--cpu-prof" profiles the API process.
    const nodeArgs = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
    api = spawn(process.execPath, [...nodeArgs, join(__dirname, '..', '..', '..', 'src', 'main.js')], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        AUTH_JWT_SECRET: JWT_SECRET,
        BUREAU_ADMIN_USERNAME: ADMIN.username,
        BUREAU_ADMIN_PASSWORD: ADMIN.password,
        // Per-request access logs off in both measurements; the rate limiter stays on
        // (it is part of every redemption's cost) with a limit the benchmark never reaches.
        LOG_LEVEL: 'warn',
        DB_POOL_SIZE: process.env.DB_POOL_SIZE ?? '20',
        RATE_LIMITS: 'redemptions.merchant=100000000/60',
        SEED_DEMO: 'false',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const http = new HttpClient(new URL(`http://127.0.0.1:${port}`), concurrency);
    await waitUntilReady(http);

    const setup = await prepare(http, databaseUrl, merchantCount, voucherCount);
    process.stdout.write(
      `setup: ${merchantCount} merchants (API keys), ${voucherCount} distinct claimed vouchers inserted; ` +
        `${concurrency} keep-alive connections, ${seconds} s per measurement in ${slices} interleaved slices, node ${process.version}\n`,
    );

    const health = () => () => http.send('GET', '/health/live');
    let index = 0;
    const redeem = () => {
      const code = setup.codes[index];
      if (code === undefined) return undefined;
      const apiKey = setup.apiKeys[index % setup.apiKeys.length];
      index++;
      return () =>
        http.send('POST', '/api/v1/redemptions', { authorization: `Bearer ${apiKey}`, 'idempotency-key': randomUUID() }, { code, orderAmount: 25000 + (index % 1000) });
    };
    const measure = (next: () => (() => Promise<HttpAnswer>) | undefined, status: number, durationMs: number) =>
      runLoad({ durationMs, concurrency, next, expect: (answer) => answer.status === status });

    // Warm-up, then the two measurements interleaved in slices, so that both see the same
    // background load on a shared machine and the ratio compares like with like.
    await measure(health, 200, 2000);
    const warmUpUntil = Math.min(2000, Math.floor(voucherCount / 10));
    await measure(() => (index < warmUpUntil ? redeem() : undefined), 201, 2000);
    const sampling = values['wait-events'] ? sampleWaitEvents(databaseUrl) : undefined;
    const ceilingSlices: LoadResult[] = [];
    const redemptionSlices: LoadResult[] = [];
    const commits = await commitCounter(databaseUrl);
    let redemptionCommits = 0;
    for (let slice = 0; slice < slices; slice++) {
      ceilingSlices.push(await measure(health, 200, (seconds * 1000) / slices));
      const before = await commits.read();
      redemptionSlices.push(await measure(redeem, 201, (seconds * 1000) / slices));
      redemptionCommits += (await commits.read()) - before;
    }
    await commits.close();
    if (sampling) process.stdout.write(`database sessions by state/wait event during the measurement:\n${await sampling.stop()}\n`);
    const ceiling = combine(ceilingSlices);
    const redemptions = combine(redemptionSlices);
    const stored = await countRedemptions(databaseUrl);
    const database = await databaseRoundTrips(databaseUrl, seconds, concurrency);

    print('framework ceiling (GET /health/live)', ceiling);
    print('redemptions (POST /api/v1/redemptions)', redemptions);
    const ratio = redemptions.perSecond / ceiling.perSecond;
    process.stdout.write(
      `ratio: redemptions/s ÷ ceiling/s = ${(ratio * 100).toFixed(1)}% (target ≥ 30%)\n` +
        `check: ${stored} redemption rows stored for ${index} redemption requests sent, ${redemptions.failed} unexpected answers in the measurement\n`,
    );
    process.stdout.write(
      `context: the same PostgreSQL answers ${database.toFixed(0)} "SELECT 1" round trips/s to a 20-connection pool here; ` +
        `during the redemption slices it committed ${redemptionCommits} transactions for ${redemptions.ok + redemptions.failed} redemptions ` +
        `(${(redemptionCommits / Math.max(1, redemptions.ok + redemptions.failed)).toFixed(2)} per redemption: each batch of concurrent redemptions is one statement, one round trip and one commit), ` +
        `plus 1 Redis round trip and 1 HTTP exchange per redemption\n`,
    );
    if (index >= voucherCount) process.stdout.write(`note: all ${voucherCount} vouchers were used before the time ran out; pass --vouchers to insert more\n`);
    http.close();
  } finally {
    if (api) await stopChild(api, 'SIGTERM', 10000);
    await redis.stop().catch(() => undefined);
    await postgres.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

function print(label: string, result: LoadResult): void {
  process.stdout.write(
    `${label}: ${result.perSecond.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms ` +
      `(${result.ok} ok, ${result.failed} failed in ${result.seconds.toFixed(1)} s)\n`,
  );
  for (const sample of result.samples) process.stdout.write(`  unexpected: ${sample}\n`);
}

async function waitUntilReady(http: HttpClient): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await http.send('GET', '/health/ready')).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the API did not become ready within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function expectJson(answer: Promise<{ status: number; body: string }>, what: string): Promise<any> {
  const { status, body } = await answer;
  if (status >= 300) throw new Error(`${what} failed: ${status} ${body}`);
  return JSON.parse(body);
}

/** A campaign, round and merchants through the API; the claimed vouchers straight into the database. */
async function prepare(http: HttpClient, databaseUrl: string, merchants: number, vouchers: number) {
  const { accessToken } = await expectJson(http.send('POST', '/api/v1/auth/login', {}, ADMIN), 'login');
  const bureau = { authorization: `Bearer ${accessToken}` };
  const now = Date.now();
  const day = 24 * 3600_000;
  const campaign = await expectJson(
    http.send('POST', '/api/v1/campaigns', bureau, {
      name: 'Bench catering',
      theme: 'catering',
      budget: 5000 * vouchers,
      startsAt: new Date(now - day).toISOString(),
      endsAt: new Date(now + 30 * day).toISOString(),
    }),
    'create campaign',
  );
  await expectJson(http.send('POST', `/api/v1/campaigns/${campaign.id}/publish`, bureau), 'publish');
  const round = await expectJson(
    http.send('POST', `/api/v1/campaigns/${campaign.id}/rounds`, bureau, {
      name: 'Bench round',
      claimOpensAt: new Date(now - day).toISOString(),
      claimClosesAt: new Date(now + day).toISOString(),
      voucherValidFrom: new Date(now - day).toISOString(),
      voucherValidUntil: new Date(now + 7 * day).toISOString(),
      denominations: [{ faceValue: 5000, minSpend: 20000, quantity: vouchers }],
    }),
    'create round',
  );
  const apiKeys: string[] = [];
  for (let i = 0; i < merchants; i++) {
    const created = await expectJson(
      http.send('POST', '/api/v1/merchants', bureau, {
        name: `Bench shop ${i}`,
        themes: ['catering'],
        settlementAccount: { bankName: 'Bench bank', accountName: `Bench shop ${i}`, accountNumber: '6222020000000000000' },
      }),
      'create merchant',
    );
    apiKeys.push(created.apiKey as string);
  }

  const codes = Array.from({ length: vouchers }, generateVoucherCode);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (let start = 0; start < codes.length; start += 10_000) {
      await client.query(
        `INSERT INTO vouchers (code, resident_id, campaign_id, round_id, denomination_id, theme, face_value, min_spend, valid_from, valid_until)
         SELECT code, 'bench-resident-' || code, d.campaign_id, d.round_id, d.id, 'catering', d.face_value, d.min_spend, r.voucher_valid_from, r.voucher_valid_until
           FROM unnest($1::text[]) AS code, denominations d JOIN rounds r ON r.id = d.round_id
          WHERE d.id = $2`,
        [codes.slice(start, start + 10_000), round.denominations[0].id],
      );
    }
    await client.query('ANALYZE vouchers');
  } finally {
    await client.end();
  }
  return { apiKeys, codes };
}

/** --wait-events: what the API's database sessions are doing, sampled every 50 ms (diagnosis only). */
function sampleWaitEvents(databaseUrl: string): { stop(): Promise<string> } {
  const client = new Client({ connectionString: databaseUrl });
  const counts = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query<{ what: string; n: number }>(
        `SELECT state || ' ' || coalesce(wait_event_type || ':' || wait_event, 'cpu') AS what, count(*)::int AS n
           FROM pg_stat_activity WHERE application_name = 'juhui' AND pid <> pg_backend_pid() GROUP BY 1`,
      );
      for (const row of rows) counts.set(row.what, (counts.get(row.what) ?? 0) + row.n);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await client.end();
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      return [...counts].sort((a, b) => b[1] - a[1]).map(([what, n]) => `  ${((100 * n) / total).toFixed(1).padStart(5)}%  ${what}`).join('\n');
    },
  };
}

/** How many trivial statements per second the database serves this machine: a floor under any durable write path. */
async function databaseRoundTrips(databaseUrl: string, seconds: number, concurrency: number): Promise<number> {
  const pool = new Pool({ connectionString: databaseUrl, max: 20 });
  try {
    let done = 0;
    const started = Date.now();
    const end = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) {
          await pool.query('SELECT 1');
          done++;
        }
      }),
    );
    return done / ((Date.now() - started) / 1000);
  } finally {
    await pool.end();
  }
}

/** The database's committed transactions so far (pg_stat_database; read on a connection of its own). */
async function commitCounter(databaseUrl: string): Promise<{ read(): Promise<number>; close(): Promise<void> }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  return {
    async read() {
      // Statistics are sent at a transaction's end; a fresh snapshot sees the latest.
      await client.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await client.query<{ n: string }>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()');
      return Number(rows[0]?.n);
    },
    close: () => client.end(),
  };
}

async function countRedemptions(databaseUrl: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM redemptions')).rows[0]?.n);
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
