import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { runMigrations } from '../../../src/database/migrate';
import { EmbeddedPostgres } from '../../../src/runtime/embedded-postgres';
import { EmbeddedRedis } from '../../../src/runtime/embedded-redis';
import { freePort } from '../../../src/runtime/processes';
import type { LoadResult, LoadSpec } from './load';

/**
 * `npm run bench:claims`: the claim path against the framework ceiling, on loopback.
 * Starts its own PostgreSQL and Redis in a temporary folder and the API as a real
 * `node dist/src/main.js` process (as production runs, per-request logging off), then from
 * a separate load process with BENCH_CONNECTIONS keep-alive connections, BENCH_PAIRS times:
 *   1. GET /health/live for BENCH_SECONDS: the same NestJS+Fastify app doing nothing (ceiling);
 *   2. POST /api/v1/claims for BENCH_SECONDS, every request a different resident, against one
 *      round of BENCH_QUANTITY vouchers (admitted claims are written, the rest sold out).
 * The two alternate so that load from other work on a shared machine hits both alike.
 * Prints throughput, p50/p99 latency, oversold count and the ratio claims ÷ ceiling.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const QUANTITY = Number(process.env.BENCH_QUANTITY ?? 20_000);
const WARM_UP_SECONDS = 3;
const JWT_SECRET = 'bench-secret-0123456789abcdef0123456789abcdef';
const ADMIN = { username: 'admin', password: 'bench-admin-password' };
const LOAD = join(__dirname, 'load.js');
/** A folder to write a V8 CPU profile of the API process into (for finding where a claim's time goes). */
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROFILE_DIR;
const MAIN = join(__dirname, '..', '..', '..', 'src', 'main.js');

async function load(spec: LoadSpec): Promise<LoadResult> {
  const { stdout } = await promisify(execFile)(process.execPath, [LOAD, JSON.stringify(spec)], {
    timeout: (spec.seconds + 120) * 1000,
    maxBuffer: 256 << 20,
  });
  return JSON.parse(stdout) as LoadResult;
}

async function startApi(env: Record<string, string>): Promise<{ child: ChildProcess; baseUrl: string }> {
  const port = await freePort();
  const profile = CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, MAIN], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
    const ready = await fetch(`${baseUrl}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { child, baseUrl };
    if (Date.now() > deadline) throw new Error('the API did not become ready within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function call<T>(baseUrl: string, path: string, body: unknown, token?: string): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** A published campaign with one round open now, of `quantity` vouchers; returns its denomination id. */
async function openRound(baseUrl: string, token: string, quantity: number): Promise<{ roundId: string; denominationId: string }> {
  const now = Date.now();
  const day = 24 * 3600_000;
  const campaign = await call<{ id: string }>(
    baseUrl,
    '/api/v1/campaigns',
    {
      name: `Bench ${now}`,
      theme: 'catering',
      budget: 1_000_000_000_000,
      startsAt: new Date(now - day).toISOString(),
      endsAt: new Date(now + 30 * day).toISOString(),
    },
    token,
  );
  await call(baseUrl, `/api/v1/campaigns/${campaign.id}/publish`, undefined, token);
  const round = await call<{ id: string; denominations: Array<{ id: string }> }>(
    baseUrl,
    `/api/v1/campaigns/${campaign.id}/rounds`,
    {
      name: 'Bench round',
      claimOpensAt: new Date(now - 60_000).toISOString(),
      claimClosesAt: new Date(now + day).toISOString(),
      voucherValidFrom: new Date(now).toISOString(),
      voucherValidUntil: new Date(now + 30 * day).toISOString(),
      denominations: [{ faceValue: 1000, minSpend: 5000, quantity }],
    },
    token,
  );
  return { roundId: round.id, denominationId: round.denominations[0].id };
}

/**
 * CPU seconds the API process has used so far (Linux /proc; user + system). CPU per request
 * is steadier than requests per second on a machine other work is also using.
 */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Several runs as one: requests, time, answers and latencies added up. */
function combine(results: LoadResult[]): LoadResult {
  const statuses: Record<string, number> = {};
  for (const result of results) for (const [status, n] of Object.entries(result.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
  return {
    requests: results.reduce((sum, r) => sum + r.requests, 0),
    seconds: results.reduce((sum, r) => sum + r.seconds, 0),
    statuses,
    latenciesMs: results.flatMap((r) => r.latenciesMs),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
  };
}

function percentile(latencies: number[], p: number): number {
  const sorted = Float64Array.from(latencies).sort();
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const perSecond = (result: LoadResult) => result.requests / result.seconds;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const summary = (result: LoadResult, unit: string) =>
  `${perSecond(result).toFixed(0)} ${unit}   p50 ${ms(percentile(result.latenciesMs, 50))}   p99 ${ms(percentile(result.latenciesMs, 99))}   (${result.requests} requests, ${result.errors} errors)`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'juhui-bench-claims-'));
  const postgres = new EmbeddedPostgres({ dataDir: join(dir, 'postgres'), database: 'juhui_bench' });
  const redis = new EmbeddedRedis({ dataDir: join(dir, 'redis') });
  let api: ChildProcess | undefined;
  try {
    const databaseUrl = await postgres.start();
    const redisUrl = await redis.start();
    await runMigrations(databaseUrl);
    const started = await startApi({
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      AUTH_JWT_SECRET: JWT_SECRET,
      BUREAU_ADMIN_USERNAME: ADMIN.username,
      BUREAU_ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'error',
      RUN_WORKER: 'false',
      // All load comes from one loopback address; the per-resident limit stays as configured.
      RATE_LIMITS: 'claims.ip=100000000/60',
    });
    api = started.child;
    const { baseUrl } = started;
    const { accessToken } = await call<{ accessToken: string }>(baseUrl, '/api/v1/auth/login', ADMIN);

    const warmUp = await openRound(baseUrl, accessToken, 5000);
    const measured = await openRound(baseUrl, accessToken, QUANTITY);
    const claimSpec = (denominationId: string, residentPrefix: string, seconds: number): LoadSpec => ({
      url: `${baseUrl}/api/v1/claims`,
      method: 'POST',
      seconds,
      connections: CONNECTIONS,
      claim: { denominationId, jwtSecret: JWT_SECRET, residentPrefix, maxResidents: Math.ceil(seconds * 30_000) },
    });
    const liveSpec = (seconds: number): LoadSpec => ({ url: `${baseUrl}/health/live`, method: 'GET', seconds, connections: CONNECTIONS });

    process.stdout.write(`warming up (${WARM_UP_SECONDS} s each)…\n`);
    await load(liveSpec(WARM_UP_SECONDS));
    await load(claimSpec(warmUp.denominationId, 'warm', WARM_UP_SECONDS));

    process.stdout.write(
      `measuring: ${CONNECTIONS} connections, ${PAIRS} × (${SECONDS} s ceiling, ${SECONDS} s claims), one round of ${QUANTITY} vouchers\n`,
    );
    const ceilings: LoadResult[] = [];
    const claimRuns: LoadResult[] = [];
    const cpu = { ceiling: 0, claims: 0 };
    const measure = async (spec: LoadSpec, runs: LoadResult[], phase: keyof typeof cpu) => {
      const before = cpuSeconds(api?.pid);
      runs.push(await load(spec));
      cpu[phase] += cpuSeconds(api?.pid) - before;
    };
    for (let pair = 0; pair < PAIRS; pair++) {
      await measure(liveSpec(SECONDS), ceilings, 'ceiling');
      await measure(claimSpec(measured.denominationId, `resident-${pair}`, SECONDS), claimRuns, 'claims');
      const [c, k] = [ceilings[pair], claimRuns[pair]];
      process.stdout.write(
        `  run ${pair + 1}: ceiling ${perSecond(c).toFixed(0)} req/s, claims ${perSecond(k).toFixed(0)}/s (${((perSecond(k) / perSecond(c)) * 100).toFixed(1)} %)\n`,
      );
    }
    const ceiling = combine(ceilings);
    const claims = combine(claimRuns);

    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const [{ stored }] = (
      await db.query<{ stored: string }>('SELECT count(*) AS stored FROM vouchers WHERE denomination_id = $1', [measured.denominationId])
    ).rows as [{ stored: string }];
    await db.end();
    const created = claims.statuses['201'] ?? 0;
    const oversold = Math.max(0, Number(stored) - QUANTITY);
    const ratio = perSecond(claims) / perSecond(ceiling);

    const lines = [
      '',
      `ceiling  GET /health/live    ${summary(ceiling, 'req/s')}`,
      `claims   POST /api/v1/claims ${summary(claims, 'claims/s')}`,
      `         answers ${JSON.stringify(claims.statuses)}; vouchers stored ${stored} of ${QUANTITY}; 201s without a stored voucher ${Math.max(0, created - Number(stored))}`,
      `API CPU  ${((cpu.ceiling / ceiling.requests) * 1e6).toFixed(0)} µs per ceiling request, ${((cpu.claims / claims.requests) * 1e6).toFixed(0)} µs per claim`,
      `oversold ${oversold}`,
      `ratio    claims ÷ ceiling = ${(ratio * 100).toFixed(1)} %   (target ≥ 50 %, p99 < 100 ms, 0 oversold)`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } finally {
    if (api && api.exitCode === null) {
      api.kill('SIGTERM');
      await new Promise((resolve) => api!.once('exit', resolve));
    }
    await redis.stop();
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
