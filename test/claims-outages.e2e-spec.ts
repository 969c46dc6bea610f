import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMigrations } from '../src/database/migrate';
import { EmbeddedPostgres } from '../scripts/dev/embedded-postgres';
import { EmbeddedRedis } from '../scripts/dev/embedded-redis';
import { freePort } from '../scripts/dev/processes';
import { ApiProcess, startApiProcess } from './support/api-process';
import { ClaimAnswer, claimBurst, createdIds, residentsNamed, runReconcileCommand } from './support/claim-burst';
import { bureauToken, claimAs, makeOpenRound } from './support/factories';
import { ApiClient } from './support/http';
import { createTestDatabase, createTestRedisUrl, TestDatabase, testEnvironment } from './support/test-app';
import { hold, until } from './support/wait';

/** The staged outage: how long into the load the dependency goes away, and for how long. */
const OUTAGE_STARTS_AFTER_MS = 300;
const OUTAGE_LASTS_MS = 1500;
/** The pause between waves of claims: steady load through the outage rather than back-to-back bursts. */
const WAVE_GAP_MS = 20;

/** Claims in waves until `until` resolves, so the outage begins and ends in the middle of the load. */
async function claimThrough(baseUrl: string, prefix: string, denominationId: string, until: Promise<unknown>): Promise<ClaimAnswer[]> {
  let done = false;
  void until.finally(() => (done = true));
  const answers: ClaimAnswer[] = [];
  for (let wave = 0; !done || wave < 2; wave++) {
    answers.push(...(await claimBurst([baseUrl], residentsNamed(`${prefix}-${wave}`, 40), denominationId)));
    await hold(WAVE_GAP_MS);
  }
  return answers;
}

/** Every 503 names its code and says when to retry; nothing else but a 201 or a 409 refusal. */
function expectCleanAnswers(answers: ClaimAnswer[]): void {
  for (const answer of answers.filter((a) => a.status === 503)) {
    expect(answer.body.code).toBe('SERVICE_UNAVAILABLE');
    expect(Number(answer.headers?.get('retry-after'))).toBeGreaterThan(0);
  }
  expect(answers.filter((a) => ![201, 409, 503].includes(a.status))).toEqual([]);
}

/** The outage both tests stage: the dependency goes away shortly after the burst starts and comes back a while later. */
async function outageDuring(stop: () => unknown, start: () => Promise<unknown>): Promise<void> {
  await hold(OUTAGE_STARTS_AFTER_MS);
  await stop();
  await hold(OUTAGE_LASTS_MS);
  await start();
}

const OUTAGE_QUANTITY = 600;

/** An API process (per-IP limit out of the way, no background workers) with a round of OUTAGE_QUANTITY vouchers open. */
async function apiWithOpenRound(env: Record<string, string>) {
  const api = await startApiProcess({ ...env, RATE_LIMITS: 'claims.ip=1000000/60', RUN_WORKER: 'false' });
  const client = new ApiClient(api.baseUrl);
  const round = await makeOpenRound(client, await bureauToken(client), {
    denominations: [{ faceValue: 1000, minSpend: 5000, quantity: OUTAGE_QUANTITY }],
  });
  return { api, client, round, denominationId: round.denominations[0].id };
}

describe('flash claims through dependency outages', () => {
  const dir = mkdtempSync(join(tmpdir(), 'juhui-claims-outage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const count = async (db: { query: TestDatabase['query'] }, denominationId: string) =>
    Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM vouchers WHERE denomination_id = $1', [denominationId]))[0].n);
  const storedIds = async (db: { query: TestDatabase['query'] }, ids: string[]) =>
    (await db.query<{ id: string }>('SELECT id FROM vouchers WHERE id = ANY($1::uuid[])', [ids])).map((r) => r.id).sort();

  it('(f) Redis killed and restarted mid-burst: 503 while away, no 201 without a voucher, none oversold, reconciliation repairs', async () => {
    const redis = new EmbeddedRedis({ dataDir: join(dir, 'redis'), port: await freePort() });
    const redisUrl = await redis.start();
    const db = await createTestDatabase();
    const env = testEnvironment(db, redisUrl);
    let api: ApiProcess | undefined;
    try {
      const opened = await apiWithOpenRound(env);
      api = opened.api;
      const { client, round, denominationId } = opened;
      const quantity = OUTAGE_QUANTITY;

      const outage = outageDuring(
        () => redis.crash(),
        () => redis.start(),
      );
      const answers = await claimThrough(api.baseUrl, 'redis', denominationId, outage);
      expectCleanAnswers(answers);
      expect(answers.some((a) => a.status === 503)).toBe(true);
      const created = createdIds(answers);
      expect(await storedIds(db, created)).toEqual([...created].sort());
      expect(await count(db, denominationId)).toBeLessThanOrEqual(quantity);

      // Redis came back with what its append-only file held; reconciliation makes it match PostgreSQL.
      expect(await runReconcileCommand(env)).toMatch(/reconciled/);
      const stored = await count(db, denominationId);
      // The API's own Redis connection reconnects with backoff; under load that can outlast the burst.
      await until('the API to be ready again', async () => (await client.get('/health/ready')).status === 200, { everyMs: 250 });
      const shown = await client.get(`/api/v1/rounds/${round.id}`);
      expect({ status: shown.status, remaining: shown.body.denominations?.[0]?.remaining }).toEqual({
        status: 200,
        remaining: quantity - stored,
      });
      const rest = await claimBurst([api.baseUrl], residentsNamed('redis-after', quantity - stored + 50), denominationId);
      expect(createdIds(rest)).toHaveLength(quantity - stored);
      expect(await count(db, denominationId)).toBe(quantity);
    } finally {
      await api?.kill();
      await db.close();
      await redis.stop();
    }
  });

  it('(g) PostgreSQL stopped and restarted mid-burst: no 201 without a voucher, and service resumes by itself', async () => {
    const postgres = new EmbeddedPostgres({ dataDir: join(dir, 'postgres'), database: 'juhui_outage', port: await freePort() });
    const databaseUrl = await postgres.start();
    await runMigrations(databaseUrl);
    const { Client } = await import('pg');
    const query: TestDatabase['query'] = async (sql, params) => {
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows;
      } finally {
        await client.end();
      }
    };
    const env = testEnvironment({ url: databaseUrl }, await createTestRedisUrl());
    let api: ApiProcess | undefined;
    try {
      const opened = await apiWithOpenRound(env);
      api = opened.api;
      const { client, denominationId } = opened;
      const quantity = OUTAGE_QUANTITY;

      const outage = outageDuring(
        () => postgres.stop(),
        () => postgres.start(),
      );
      const answers = await claimThrough(api.baseUrl, 'pg', denominationId, outage);
      expectCleanAnswers(answers);
      expect(answers.some((a) => a.status === 503)).toBe(true);
      const created = createdIds(answers);
      expect(await storedIds({ query }, created)).toEqual([...created].sort());

      // No restart of the API and no command: it serves claims again on its own.
      let n = 0;
      await until('claims to succeed again', async () => (await claimAs(client, `pg-resumed-${n++}`, denominationId)).status === 201, {
        everyMs: 250,
      });
      const rest = await claimBurst([api.baseUrl], residentsNamed('pg-after', quantity), denominationId);
      expect(rest.filter((a) => a.status !== 201 && a.body?.code !== 'SOLD_OUT')).toEqual([]);
      expect(await count({ query }, denominationId)).toBe(quantity);
    } finally {
      await api?.kill();
      await postgres.stop();
    }
  });
});
