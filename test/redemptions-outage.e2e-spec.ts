import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres } from '../scripts/dev/embedded-postgres';
import { freePort } from '../scripts/dev/processes';
import { ApiProcess, startApiProcess } from './support/api-process';
import { ApiClient } from './support/http';
import { bureauToken, insertVoucher, makeCampaign, makeMerchant, makeRound } from './support/factories';
import { createTestRedisUrl, testEnvironment } from './support/test-app';
import { until } from './support/wait';

/**
 * The database goes away while a merchant redeems: the answer is 503 with Retry-After,
 * nothing is done, and the Idempotency-Key is not left blocked, so the point of sale's
 * retry with the same key redeems once the database is back. Uses its own PostgreSQL.
 */
describe('checkout redemption during a database outage', () => {
  let dir: string;
  let postgres: EmbeddedPostgres;
  let client: Client;
  let api: ApiProcess;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'juhui-redemption-outage-'));
    postgres = new EmbeddedPostgres({ dataDir: join(dir, 'postgres'), database: 'juhui', port: await freePort() });
    url = await postgres.start();
    api = await startApiProcess(testEnvironment({ url }, await createTestRedisUrl(), { RUN_WORKER: 'false' }));
    client = new Client({ connectionString: url });
    await client.connect();
  });

  afterAll(async () => {
    await client.end().catch(() => undefined);
    await api.kill('SIGKILL');
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 while the database is away and redeems on the retry with the same key', async () => {
    const http = new ApiClient(api.baseUrl);
    const bureau = await bureauToken(http);
    const campaign = await makeCampaign(http, bureau);
    const denominationId = (await makeRound(http, bureau, campaign.id)).denominations[0].id;
    const { apiKey } = await makeMerchant(http, bureau);
    const db = { query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[] };
    const voucher = await insertVoucher(db, denominationId);
    await client.end();

    const body = { code: voucher.code, orderAmount: 25000 };
    const key = randomUUID();
    const send = () => http.post('/api/v1/redemptions', body, { token: apiKey, headers: { 'idempotency-key': key } });

    await postgres.stop();
    const during = await send();
    expect([during.status, during.body.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
    expect(during.headers.get('retry-after')).toBeTruthy();

    await postgres.start();
    // The pool notices broken connections on use; a point of sale retries until it gets a final answer.
    let after = during;
    await until('a retry to get a final answer', async () => (after = await send()).status !== 503, { timeoutMs: 5000, everyMs: 250 });
    expect(after.status).toBe(201);
    expect((await send()).text).toBe(after.text);
    client = new Client({ connectionString: url });
    await client.connect();
    const rows = await client.query(
      `SELECT v.status, count(r.id)::int AS redemptions FROM vouchers v LEFT JOIN redemptions r ON r.voucher_id = v.id WHERE v.id = $1 GROUP BY v.status`,
      [voucher.id],
    );
    expect(rows.rows).toEqual([{ status: 'redeemed', redemptions: 1 }]);
  });
});
