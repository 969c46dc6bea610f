import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../../src/app.factory';
import { AuditService } from '../../../src/audit/audit.service';
import { loadAppConfig } from '../../../src/config/app-config';
import { runMigrations } from '../../../src/database/migrate';
import { startDevServers } from '../../dev/dev-servers';
import { formatPhase, measureInTurns, type PhaseResult, requestsFile } from '../harness/measure';
import type { PreparedRequest } from '../harness/load';
import { BENCH_ADMIN, BENCH_AUDIT_SIGNING_KEY, BENCH_JWT_SECRET, callApi, withDatabase } from '../harness/stack';

/**
 * npm run bench:audit — what writing the audit event adds to a bureau write (issue 13, point 8:
 * at most 10 %).
 *
 * The write: PATCH /api/v1/merchants/:id changing the merchant's themes, as an operator would
 * (authentication, validation, one transaction that locks the merchant, updates it and, in
 * production, records `merchant.updated` on the hash chain, then the answer with its view).
 *
 * The comparison, in one run on one app and one database: the app runs in this process
 * (createApp with production settings, on embedded PostgreSQL and Redis), and two phases take
 * turns (BENCH_PAIRS turns after a warm-up, BENCH_SECONDS each), so whatever else loads the
 * machine hits both alike:
 * - "with audit": the app exactly as deployed;
 * - "without audit": the same requests to the same app, with the AuditService instance the app
 *   injected into MerchantsService answering `record` with nothing for the phase. That swap is
 *   the only difference, and it exists only here (no production switch).
 * Each phase has its own merchants, and each request flips its merchant's themes between two
 * values, so every request is a real UPDATE in both phases. The requests come from the
 * harness's separate load process (scripts/bench/harness/load.ts), so sending them costs the
 * app's event loop nothing.
 *
 * Two shapes: one request at a time (the time of one write: the figure the target is about),
 * then BENCH_CONNECTIONS (default 8) at once, where the chain's head lock, held from the record
 * to the commit, serialises the writers.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const TURNS = Number(process.env.BENCH_PAIRS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const MERCHANTS_PER_PHASE = 200;
/** More than any phase sends in a run of this length (the load process stops when they run out). */
const REQUESTS_PER_PHASE = 200_000;
const TARGET = 0.1;

const log = (message: string): void => void process.stdout.write(`${message}\n`);

/** Requests flipping each merchant's themes in turn: catering → catering + autos → catering → … */
function themeChanges(merchantIds: string[], token: string): PreparedRequest[] {
  return Array.from({ length: REQUESTS_PER_PHASE }, (_, i) => ({
    path: `/api/v1/merchants/${merchantIds[i % merchantIds.length]}`,
    headers: { authorization: `Bearer ${token}` },
    body: { themes: Math.floor(i / merchantIds.length) % 2 === 0 ? ['catering', 'autos'] : ['catering'] },
  }));
}

/** How much longer a write with the record takes: from throughput (one at a time: 1 / mean time) and from CPU per answer. */
function formatCost(label: string, audited: PhaseResult, bare: PhaseResult, target?: number): string {
  const timeCost = bare.perSecond / audited.perSecond - 1;
  const cpuCost = audited.cpuMicros / bare.cpuMicros - 1;
  const verdict = target === undefined ? '' : `   (target ≤ ${(target * 100).toFixed(0)} %: ${timeCost <= target ? 'met' : 'NOT met'})`;
  return (
    `${label}: the audit record adds ${(timeCost * 100).toFixed(1)} % to the time of a write ` +
    `(ratio with ÷ without ${(1 + timeCost).toFixed(3)}; p50 ${audited.p50Ms.toFixed(2)} vs ${bare.p50Ms.toFixed(2)} ms), ` +
    `${(cpuCost * 100).toFixed(1)} % to the app's CPU per write${verdict}`
  );
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'juhui-bench-audit-'));
  const servers = await startDevServers({}, dataDir, () => undefined);
  try {
    await runMigrations(servers.databaseUrl);
    const config = loadAppConfig({
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      DATABASE_URL: servers.databaseUrl,
      REDIS_URL: servers.redisUrl,
      AUTH_JWT_SECRET: BENCH_JWT_SECRET,
      AUDIT_SIGNING_KEY: BENCH_AUDIT_SIGNING_KEY,
      BUREAU_ADMIN_USERNAME: BENCH_ADMIN.username,
      BUREAU_ADMIN_PASSWORD: BENCH_ADMIN.password,
      LOG_LEVEL: 'error',
      RUN_WORKER: 'false',
      SEED_DEMO: 'false',
    });
    const app = await createApp(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const address = app.getHttpServer().address();
      const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const { accessToken } = await callApi<{ accessToken: string }>(baseUrl, 'POST', '/api/v1/auth/login', BENCH_ADMIN);
      const register = async (n: number) =>
        (
          await callApi<{ merchant: { id: string } }>(
            baseUrl,
            'POST',
            '/api/v1/merchants',
            {
              name: `基准商户 ${n}`,
              themes: ['catering'],
              settlementAccount: { bankName: '中国银行', accountName: `商户 ${n}`, accountNumber: `6222${String(n).padStart(15, '0')}` },
            },
            accessToken,
          )
        ).merchant.id;
      const merchants: string[] = [];
      for (let n = 0; n < 2 * MERCHANTS_PER_PHASE; n++) merchants.push(await register(n));

      // The seam: the one AuditService instance every module was given.
      const audit = app.get(AuditService);
      const record = audit.record.bind(audit);
      const skip: AuditService['record'] = () => Promise.resolve();
      const phases = [
        {
          label: 'PATCH /merchants/:id with audit',
          method: 'PATCH' as const,
          url: baseUrl,
          source: requestsFile(dataDir, 'with', themeChanges(merchants.slice(0, MERCHANTS_PER_PHASE), accessToken)),
          before: () => void (audit.record = record),
        },
        {
          label: 'PATCH /merchants/:id without',
          method: 'PATCH' as const,
          url: baseUrl,
          source: requestsFile(dataDir, 'without', themeChanges(merchants.slice(MERCHANTS_PER_PHASE), accessToken)),
          before: () => void (audit.record = skip),
        },
      ];

      const results: string[] = [];
      for (const connections of [1, CONNECTIONS]) {
        log(`\n${connections} connection${connections === 1 ? '' : 's'}: ${TURNS} turns of ${SECONDS} s per phase, after a warm-up`);
        const [audited, bare] = await measureInTurns({
          apiPid: process.pid,
          phases,
          turns: TURNS,
          seconds: SECONDS,
          connections,
          warmUpSeconds: 2,
          progress: (turn, [a, b]) =>
            log(
              `  turn ${turn + 1}: with ${(a.requests / a.seconds).toFixed(0)}/s ${JSON.stringify(a.statuses)}, ` +
                `without ${(b.requests / b.seconds).toFixed(0)}/s ${JSON.stringify(b.statuses)}`,
            ),
        });
        audit.record = record;
        log(`${formatPhase(audited)}\n${formatPhase(bare)}`);
        results.push(
          formatCost(
            connections === 1 ? 'one write at a time' : `${connections} at once`,
            audited,
            bare,
            connections === 1 ? TARGET : undefined,
          ),
        );
      }
      // The check that the seam did what it says: updates of the first merchants recorded, of the others none.
      const recorded = await withDatabase(servers.databaseUrl, async (db) => {
        const { rows } = await db.query<{ with: number; without: number }>(
          `SELECT count(*) FILTER (WHERE subject_id = ANY($1))::int AS with, count(*) FILTER (WHERE subject_id = ANY($2))::int AS without
             FROM audit_events WHERE action = 'merchant.updated'`,
          [merchants.slice(0, MERCHANTS_PER_PHASE), merchants.slice(MERCHANTS_PER_PHASE)],
        );
        return rows[0];
      });
      log(`\nmerchant.updated events recorded: ${recorded.with} in the phases with audit, ${recorded.without} in those without`);
      log(results.join('\n'));
    } finally {
      await app.close();
    }
  } finally {
    await servers.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:audit failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
