import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Browser, chromium } from 'playwright-core';
import { bureauToken, makeMerchant, residentToken } from './support/factories';
import { ApiClient } from './support/http';
import { bootTestApp, TestApp, TEST_ADMIN } from './support/test-app';

const CHROMIUM = '/usr/bin/chromium';
const METRICS_TOKEN = 'metrics-token-for-the-tests-0123';

/** Issue 12 point 18: no-store on secrets, the usual security headers, /docs still working under its CSP, /metrics protectable. */
describe('security headers', () => {
  let t: TestApp;
  let api: ApiClient;
  let bureau: string;

  beforeAll(async () => {
    t = await bootTestApp({ METRICS_TOKEN, RUN_WORKER: 'false' });
    api = new ApiClient(t.baseUrl);
    bureau = await bureauToken(api);
  });
  afterAll(() => t.close());

  it('sends Cache-Control: no-store with logins, new API keys and wallets', async () => {
    const login = await api.post('/api/v1/auth/login', TEST_ADMIN);
    expect(login.status).toBe(200);
    const registered = await api.post(
      '/api/v1/merchants',
      { name: 'x', themes: ['catering'], settlementAccount: { bankName: 'b', accountName: 'a', accountNumber: '12345678' } },
      { token: bureau },
    );
    const { merchant, apiKey } = await makeMerchant(api, bureau);
    const key = await api.post(`/api/v1/merchants/${merchant.id}/keys`, { label: 'till' }, { token: apiKey });
    const wallet = await api.get('/api/v1/me/vouchers', { token: residentToken(randomUUID()) });
    const walletItem = await api.get(`/api/v1/me/vouchers/${randomUUID()}`, { token: residentToken(randomUUID()) });
    for (const answer of [login, registered, key, wallet, walletItem]) expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it.each(['/api/v1/campaigns', '/health/live', '/docs', '/dashboard', '/wallet', '/cashier', '/admin/queues', '/api/v1/no-such-route'])(
    'sends the usual security headers, a content security policy and frame protection on %s',
    async (path) => {
      const answer = await api.get(path);
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('x-frame-options')).toBe('DENY');
      expect(answer.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(answer.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(answer.headers.get('strict-transport-security')).toContain('max-age=');
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
    },
  );

  it('answers /metrics only with its token when METRICS_TOKEN is set', async () => {
    expect((await api.get('/metrics')).status).toBe(401);
    const wrong = await api.get('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}x` } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('UNAUTHENTICATED');
    expect((await api.get('/metrics', { token: bureau })).status).toBe(401);
    const scraped = await api.get('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(scraped.status).toBe(200);
    expect(scraped.text).toContain('# HELP');
  });

  it('renders Swagger UI in Chromium under the content security policy', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package`);
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      await page.goto(`${t.baseUrl}/docs`);
      await page.locator('.swagger-ui .info .title').waitFor({ timeout: 30_000 });
      await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe('/metrics without METRICS_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootTestApp({ RUN_WORKER: 'false' });
  });
  afterAll(() => t.close());

  it('answers anyone', async () => {
    expect((await new ApiClient(t.baseUrl).get('/metrics')).status).toBe(200);
  });
});
