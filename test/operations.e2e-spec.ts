import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import jwt from 'jsonwebtoken';
import { API_PREFIX } from '../src/app.factory';
import { EmbeddedRedis } from '../scripts/dev/embedded-redis';
import { bureauToken, makeMerchant } from './support/factories';
import { ApiClient } from './support/http';
import { measureGrowth } from './support/metrics';
import { startApiProcess } from './support/api-process';
import { until } from './support/wait';
import { bootTestApp, createTestDatabase, createTestRedisUrl, TEST_JWT_SECRET, TestApp, testEnvironment } from './support/test-app';

describe('operations', () => {
  let t: TestApp;
  let api: ApiClient;

  beforeAll(async () => {
    t = await bootTestApp();
    api = new ApiClient(t.baseUrl);
  });
  afterAll(() => t.close());

  it('reports liveness and readiness of PostgreSQL and Redis', async () => {
    expect((await api.get('/health/live')).body).toEqual({ status: 'ok' });
    // The benchmarks' trivial POST endpoint: the same answer whatever JSON it is sent.
    const posted = await api.post('/health/live', { denominationId: 'anything' });
    expect([posted.status, posted.body]).toEqual([200, { status: 'ok' }]);
    const ready = await api.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details).toMatchObject({ database: { status: 'up' }, redis: { status: 'up' } });
  });

  it('documents every API endpoint in OpenAPI at /docs-json and serves the UI at /docs', async () => {
    const docs = await api.get('/docs-json');
    expect(docs.status).toBe(200);
    const documented = new Set(
      Object.entries(docs.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    const routes = listApiRoutes(t);
    expect(routes.length).toBeGreaterThan(10);
    expect(routes.filter((route) => !documented.has(route))).toEqual([]);
    const ui = await api.get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
  });

  it('exposes Prometheus metrics', async () => {
    const metrics = await api.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.text).toContain('juhui_process_cpu_seconds_total');
    const liveness = 'juhui_http_request_duration_seconds_count{method="GET",route="/health/live",status="200"}';
    const growth = await measureGrowth(api, [liveness]);
    await api.get('/health/live');
    expect(await growth()).toEqual({ [liveness]: 1 });
  });

  it('echoes a request id', async () => {
    const answer = await api.get('/api/v1/campaigns', { headers: { 'x-request-id': 'trace-123' } });
    expect(answer.headers.get('x-request-id')).toBe('trace-123');
    expect((await api.get('/api/v1/campaigns')).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // Error answers carry it too: a route that does not exist, and one refused before its handler runs.
    const missing = await api.get('/api/v1/no-such-route', { headers: { 'x-request-id': 'trace-404' } });
    expect([missing.status, missing.headers.get('x-request-id')]).toEqual([404, 'trace-404']);
    const refused = await api.post('/api/v1/claims', { denominationId: 'x' }, { headers: { 'x-request-id': 'trace-401' } });
    expect([refused.status, refused.headers.get('x-request-id')]).toEqual([401, 'trace-401']);
  });

  it('mints tokens for local use with npm run token', () => {
    const token = execFileSync(
      process.execPath,
      [join(__dirname, '..', 'dist', 'src', 'cli', 'token.js'), '--role', 'resident', '--sub', 'r-77'],
      {
        env: { ...process.env, AUTH_JWT_SECRET: TEST_JWT_SECRET },
        encoding: 'utf8',
      },
    ).trim();
    expect(jwt.verify(token, TEST_JWT_SECRET)).toMatchObject({ sub: 'r-77', role: 'resident' });
    expect(() =>
      execFileSync(process.execPath, [join(__dirname, '..', 'dist', 'src', 'cli', 'token.js'), '--role', 'king'], {
        env: { ...process.env, AUTH_JWT_SECRET: TEST_JWT_SECRET },
        stdio: 'pipe',
      }),
    ).toThrow();
  });
});

describe('readiness when Redis is away', () => {
  it('answers 503 SERVICE_UNAVAILABLE with Retry-After, and ready again once Redis is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'juhui-ready-'));
    const redis = new EmbeddedRedis({ dataDir: dir });
    // The API alone: this is about request handling, not the background workers' reconnects.
    const t = await bootTestApp({ RUN_WORKER: 'false' }, { redisUrl: await redis.start() });
    const api = new ApiClient(t.baseUrl);
    try {
      expect((await api.get('/health/ready')).status).toBe(200);
      redis.crash();
      const down = await api.get('/health/ready');
      expect(down.status).toBe(503);
      expect(down.body.code).toBe('SERVICE_UNAVAILABLE');
      expect(down.headers.get('retry-after')).toBe('5');
      // A rate-limited route fails closed rather than running unlimited.
      const login = await api.post('/api/v1/auth/login', { username: 'admin', password: 'whatever-password' });
      expect(login.status).toBe(503);
      await redis.start();
      await until('readiness once Redis is back', async () => (await api.get('/health/ready')).status === 200, { timeoutMs: 10_000 });
    } finally {
      await t.close();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a real API process', () => {
  it('seeds the demo programme, keeps secrets out of its logs and shuts down cleanly on SIGTERM', async () => {
    const db = await createTestDatabase();
    const redisUrl = await createTestRedisUrl();
    const server = await startApiProcess(testEnvironment(db, redisUrl, { LOG_LEVEL: 'info', SEED_DEMO: 'true' }));
    try {
      const api = new ApiClient(server.baseUrl);
      const bureau = await bureauToken(api);
      const [programme] = await db.query<{ campaigns: string; budget: string; rounds: string; vouchers: string; merchants: string }>(`
        SELECT (SELECT count(*) FROM campaigns WHERE status = 'active') AS campaigns,
               (SELECT sum(budget) FROM campaigns) AS budget,
               (SELECT count(*) FROM rounds) AS rounds,
               (SELECT sum(face_value * quantity) FROM denominations) AS vouchers,
               (SELECT count(*) FROM merchants) AS merchants`);
      expect(programme).toEqual({
        campaigns: '5',
        budget: String(3_800_000 * 100),
        rounds: '8',
        vouchers: String(1_200_000 * 100),
        merchants: '30',
      });
      const themes = await db.query<{ theme: string }>('SELECT DISTINCT theme FROM campaigns ORDER BY theme');
      expect(themes.map((r) => r.theme)).toEqual(['appliances', 'autos', 'catering', 'farm-goods', 'new-year-goods']);
      const windows = await db.query<{ open: boolean; upcoming: boolean }>(
        `SELECT bool_or(claim_opens_at <= now() AND claim_closes_at > now()) AS open, bool_or(claim_opens_at > now()) AS upcoming FROM rounds`,
      );
      expect(windows[0]).toEqual({ open: true, upcoming: true });

      // One demo staff member per role, each signing in with the password printed once (never in a log line).
      const staff = [...server.output().matchAll(/^ {4}(\w+) +username "(demo\.\w+)", password "([^"]+)"$/gm)].map(
        ([, role, username, password]) => ({
          role,
          username,
          password,
        }),
      );
      expect(staff.map((member) => member.role)).toEqual(['admin', 'operator', 'finance', 'auditor']);
      for (const member of staff) {
        const login = await api.post('/api/v1/auth/login', { username: member.username, password: member.password });
        expect(login.status).toBe(200);
        expect((jwt.decode(login.body.accessToken) as jwt.JwtPayload).staffRoles).toEqual([member.role]);
      }

      const { apiKey } = await makeMerchant(api, bureau, {
        settlementAccount: { bankName: '中国银行', accountName: '日志测试', accountNumber: '6222029876543210987' },
      });
      await api.get('/api/v1/merchants?limit=500', { token: bureau });
      await api.get('/api/v1/campaigns', { token: apiKey });

      await server.kill('SIGTERM');
      expect(server.child.exitCode).toBe(0);
      const output = server.output();
      expect(output).toContain('"msg":"request completed"');
      expect(output).toContain('SIGTERM received');
      for (const secret of ['6222029876543210987', apiKey, bureau, TEST_JWT_SECRET]) expect(output).not.toContain(secret);
      for (const { password } of staff) expect(output.split(password)).toHaveLength(2); // printed once, logged never
    } finally {
      await server.kill('SIGKILL');
      await db.close();
    }
  });
});

// @nestjs/swagger's metadata keys for ApiExcludeController / ApiExcludeEndpoint (not exported publicly).
const EXCLUDED_CONTROLLER = 'swagger/apiExcludeController';
const EXCLUDED_ENDPOINT = 'swagger/apiExcludeEndpoint';

/** Every (method, path) the Nest controllers declare under the API prefix, in OpenAPI form. */
function listApiRoutes(t: TestApp): string[] {
  const discovery = t.app.get(DiscoveryService);
  const scanner = t.app.get(MetadataScanner);
  const routes: string[] = [];
  for (const wrapper of discovery.getControllers()) {
    const type = wrapper.metatype as (new (...args: unknown[]) => unknown) | undefined;
    if (!type || Reflect.getMetadata(EXCLUDED_CONTROLLER, type)) continue;
    const base = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
    for (const name of scanner.getAllMethodNames(type.prototype)) {
      const handler = (type.prototype as Record<string, unknown>)[name] as object;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined || Reflect.getMetadata(EXCLUDED_ENDPOINT, handler)) continue;
      const path = `/${[base, String(Reflect.getMetadata(PATH_METADATA, handler) ?? '')].filter((p) => p && p !== '/').join('/')}`;
      const prefixed = path.startsWith('/health') ? path : `/${API_PREFIX}${path}`;
      routes.push(`${RequestMethod[method]} ${prefixed.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes;
}
