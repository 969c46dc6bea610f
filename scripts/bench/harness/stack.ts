import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { runMigrations } from '../../../src/database/migrate';
import { EmbeddedPostgres } from '../../dev/embedded-postgres';
import { EmbeddedRedis } from '../../dev/embedded-redis';
import { freePort, stopChild } from '../../dev/processes';

export const BENCH_JWT_SECRET = 'bench-secret-0123456789abcdef0123456789abcdef';
/** Production mode requires the audit signing key; a fresh one per benchmark run. */
export const BENCH_AUDIT_SIGNING_KEY = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
export const BENCH_ADMIN = { username: 'admin', password: 'bench-admin-password' };
const MAIN = join(__dirname, '..', '..', '..', 'src', 'main.js');

export interface BenchStack {
  /** A temporary folder removed by stop(). */
  dir: string;
  databaseUrl: string;
  redisUrl: string;
  /** The API as production runs it (`node dist/src/main.js`), on loopback. */
  api: { baseUrl: string; pid: number };
  /** A bureau access token, for setting up campaigns and merchants. */
  bureauToken: string;
  stop(): Promise<void>;
}

/**
 * PostgreSQL and Redis in a temporary folder, migrated, and the API as a real process
 * started with `env` on top of the benchmark's own settings (per-request logs off, no
 * background worker). BENCH_API_NODE_ARGS adds Node options to the API process (for
 * instance "--cpu-prof --cpu-prof-dir=/tmp/profiles" to see where its time goes).
 */
export async function startBenchStack(
  name: string,
  env: Record<string, string>,
  options: { redisAppendOnly?: boolean } = {},
): Promise<BenchStack> {
  const dir = mkdtempSync(join(tmpdir(), `juhui-bench-${name}-`));
  const postgres = new EmbeddedPostgres({ dataDir: join(dir, 'postgres'), database: 'juhui_bench' });
  const redis = new EmbeddedRedis({ dataDir: join(dir, 'redis'), appendOnly: options.redisAppendOnly ?? false });
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child) await stopChild(child, 'SIGTERM', 10_000);
    await redis.stop().catch(() => undefined);
    await postgres.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const databaseUrl = await postgres.start();
    const redisUrl = await redis.start();
    await runMigrations(databaseUrl);
    const port = await freePort();
    const nodeArgs = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
    child = spawn(process.execPath, [...nodeArgs, MAIN], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        AUTH_JWT_SECRET: BENCH_JWT_SECRET,
        AUDIT_SIGNING_KEY: BENCH_AUDIT_SIGNING_KEY,
        // One bench admin sets the programme up: the four-eyes rule (on in production) would
        // leave its campaign a draft awaiting a second operator, and every claim refused.
        FOUR_EYES: 'false',
        BUREAU_ADMIN_USERNAME: BENCH_ADMIN.username,
        BUREAU_ADMIN_PASSWORD: BENCH_ADMIN.password,
        LOG_LEVEL: 'error',
        RUN_WORKER: 'false',
        SEED_DEMO: 'false',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitUntilReady(child, baseUrl);
    const { accessToken } = await callApi<{ accessToken: string }>(baseUrl, 'POST', '/api/v1/auth/login', BENCH_ADMIN);
    return { dir, databaseUrl, redisUrl, api: { baseUrl, pid: child.pid! }, bureauToken: accessToken, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitUntilReady(child: ChildProcess, baseUrl: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
    const ready = await fetch(`${baseUrl}/health/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline) throw new Error('the API did not become ready within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** One JSON call to the API; anything but 2xx is an error. */
export async function callApi<T>(baseUrl: string, method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** A published campaign with one round whose claim window is open now; one denomination. */
export async function openRound(
  stack: BenchStack,
  denomination: { faceValue: number; minSpend: number; quantity: number },
): Promise<{ campaignId: string; roundId: string; denominationId: string }> {
  const now = Date.now();
  const day = 24 * 3600_000;
  const call = <T>(path: string, body?: unknown) => callApi<T>(stack.api.baseUrl, 'POST', path, body, stack.bureauToken);
  const campaign = await call<{ id: string }>('/api/v1/campaigns', {
    name: `Bench ${now}`,
    theme: 'catering',
    budget: denomination.faceValue * denomination.quantity,
    startsAt: new Date(now - day).toISOString(),
    endsAt: new Date(now + 30 * day).toISOString(),
  });
  await call(`/api/v1/campaigns/${campaign.id}/publish`);
  const round = await call<{ id: string; denominations: Array<{ id: string }> }>(`/api/v1/campaigns/${campaign.id}/rounds`, {
    name: 'Bench round',
    claimOpensAt: new Date(now - 60_000).toISOString(),
    claimClosesAt: new Date(now + day).toISOString(),
    voucherValidFrom: new Date(now - day).toISOString(),
    voucherValidUntil: new Date(now + 7 * day).toISOString(),
    denominations: [denomination],
  });
  return { campaignId: campaign.id, roundId: round.id, denominationId: round.denominations[0].id };
}

/**
 * CPU seconds a process has used so far (Linux /proc; user + system). CPU per request is
 * steadier than requests per second on a machine other work is also using.
 */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** A short-lived database connection for setting up and checking. */
export async function withDatabase<T>(databaseUrl: string, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}
