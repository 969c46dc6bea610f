import { randomBytes } from 'node:crypto';
import { getRepositoryToken } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { MerchantApiKey } from '../src/auth/merchant-api-key.entity';
import { ApiProcess, startApiProcess } from './support/api-process';
import { bureauToken, makeMerchant } from './support/factories';
import { ApiClient } from './support/http';
import { until } from './support/wait';
import { bootTestApp, TestApp, testEnvironment } from './support/test-app';

const FAILURE_LIMIT = 20;

/**
 * Merchant API keys per till (SPEC "Bureau"), and cheap guessing throttled: failures are
 * counted per client address in the shared limiter and a valid key's lookup is cached in
 * Redis, while a revocation holds on the next request of every API process.
 * Needs the build (`npx nest build`) for the second API process.
 */
describe('merchant API keys', () => {
  let t: TestApp;
  let api: ApiClient;
  let other: ApiClient;
  let bureau: string;
  let second: ApiProcess;
  let keyLookups: jest.SpyInstance;

  const env = { RATE_LIMITS: `auth.failures.ip=${FAILURE_LIMIT}/600`, RUN_WORKER: 'false' };
  const keysOf = (merchantId: string, token: string, client = api) => client.get(`/api/v1/merchants/${merchantId}/keys`, { token });
  const randomKey = () => `jhk_${randomBytes(24).toString('base64url')}`;

  beforeAll(async () => {
    t = await bootTestApp(env);
    api = new ApiClient(t.baseUrl);
    bureau = await bureauToken(api);
    second = await startApiProcess(testEnvironment(t.db, t.redisUrl, env));
    other = new ApiClient(second.baseUrl);
    keyLookups = jest.spyOn(t.app.get<Repository<MerchantApiKey>>(getRepositoryToken(MerchantApiKey), { strict: false }), 'findOne');
  });
  afterAll(async () => {
    await second?.kill('SIGKILL');
    await t.close();
  });

  it('issues several keys per merchant, shown once and never listed; the registration key is the first', async () => {
    const { merchant, apiKey } = await makeMerchant(api, bureau);
    const created = await api.post(`/api/v1/merchants/${merchant.id}/keys`, { label: 'till 2' }, { token: apiKey });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(created.body.key).sort()).toEqual(['createdAt', 'id', 'label']);
    expect(created.body.apiKey).toMatch(/^jhk_/);
    const byOperator = await api.post(`/api/v1/merchants/${merchant.id}/keys`, { label: 'till 3' }, { token: bureau });
    expect(byOperator.status).toBe(201);

    const listed = await keysOf(merchant.id, created.body.apiKey);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((k: { label: string }) => k.label)).toEqual(['registration', 'till 2', 'till 3']);
    for (const key of [apiKey, created.body.apiKey, byOperator.body.apiKey]) expect(listed.text).not.toContain(key.slice(4));
    expect(listed.body.items.every((k: { revokedAt: unknown }) => k.revokedAt === null)).toBe(true);
    // The registration key was used (off the request's path, so it shows shortly after).
    await until(
      'the registration key shows its last use',
      async () => (await keysOf(merchant.id, bureau)).body.items[0].lastUsedAt !== null,
    );
    // Each key works on its own.
    for (const key of [apiKey, created.body.apiKey, byOperator.body.apiKey]) expect((await keysOf(merchant.id, key)).status).toBe(200);
  });

  it("never lets a merchant see, create or revoke another merchant's keys (403, nothing changed)", async () => {
    const a = await makeMerchant(api, bureau);
    const b = await makeMerchant(api, bureau);
    const [bKey] = (await keysOf(b.merchant.id, bureau)).body.items as Array<{ id: string }>;
    expect((await keysOf(b.merchant.id, a.apiKey)).status).toBe(403);
    expect((await api.post(`/api/v1/merchants/${b.merchant.id}/keys`, { label: 'x' }, { token: a.apiKey })).status).toBe(403);
    const revoke = await api.delete(`/api/v1/merchants/${b.merchant.id}/keys/${bKey.id}`, { token: a.apiKey });
    expect(revoke.status).toBe(403);
    expect(revoke.body.code).toBe('FORBIDDEN');
    // Nor through its own merchant id with the other's key id.
    expect((await api.delete(`/api/v1/merchants/${a.merchant.id}/keys/${bKey.id}`, { token: a.apiKey })).status).toBe(403);
    expect((await keysOf(b.merchant.id, b.apiKey)).status).toBe(200);
    expect((await keysOf(b.merchant.id, bureau)).body.items).toHaveLength(1);
  });

  it('a revoked key is refused on the very next request, in this process and another, while cached in both', async () => {
    const { merchant, apiKey } = await makeMerchant(api, bureau);
    const till = (await api.post(`/api/v1/merchants/${merchant.id}/keys`, { label: 'till 2' }, { token: apiKey })).body;
    // Both processes have used (and cached) the key.
    expect((await keysOf(merchant.id, till.apiKey)).status).toBe(200);
    expect((await keysOf(merchant.id, till.apiKey, other)).status).toBe(200);

    const revoked = await api.delete(`/api/v1/merchants/${merchant.id}/keys/${till.key.id}`, { token: apiKey });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    const onOther = await keysOf(merchant.id, till.apiKey, other);
    expect(onOther.status).toBe(401);
    expect(onOther.body.code).toBe('UNAUTHENTICATED');
    expect((await keysOf(merchant.id, till.apiKey)).status).toBe(401);
    // The merchant's other key is untouched.
    expect((await keysOf(merchant.id, apiKey, other)).status).toBe(200);
  });

  it('a burst with a new valid key costs one lookup', async () => {
    const { merchant, apiKey } = await makeMerchant(api, bureau);
    const before = keyLookups.mock.calls.length;
    const answers = await Promise.all(Array.from({ length: 50 }, () => keysOf(merchant.id, apiKey)));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(keyLookups.mock.calls.length - before).toBe(1);
  });

  it('a burst of bad keys from one address gets 429 past the limit, and then asks the database nothing', async () => {
    const { merchant, apiKey } = await makeMerchant(api, bureau);
    expect((await keysOf(merchant.id, apiKey)).status).toBe(200); // cached before the burst
    // Earlier tests' refused keys count against the same address, so the limit may come sooner.
    const before = keyLookups.mock.calls.length;
    let refused = 0;
    let limited = await keysOf(merchant.id, randomKey());
    while (limited.status === 401 && refused < FAILURE_LIMIT) {
      refused++;
      limited = await keysOf(merchant.id, randomKey());
    }
    expect(refused).toBeGreaterThan(FAILURE_LIMIT / 2);
    expect(keyLookups.mock.calls.length - before).toBe(refused + 1);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const afterLimit = keyLookups.mock.calls.length;
    const burst = await Promise.all(Array.from({ length: 300 }, () => keysOf(merchant.id, randomKey())));
    expect(burst.every((answer) => answer.status === 429)).toBe(true);
    // Forged tokens are counted as well.
    expect((await api.get('/api/v1/campaigns', { token: 'not.a.token' })).status).toBe(429);
    expect(keyLookups.mock.calls.length).toBe(afterLimit);

    // The limit is shared: the other process refuses this address at once too.
    expect((await keysOf(merchant.id, randomKey(), other)).status).toBe(429);
    // A key that is already known and the bureau's token still work from the address.
    expect((await keysOf(merchant.id, apiKey)).status).toBe(200);
    expect((await api.get('/api/v1/merchants', { token: bureau })).status).toBe(200);
  });
});
