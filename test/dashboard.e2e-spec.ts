import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { assertChromium, CHROMIUM, CHROMIUM_ARGS } from './support/browser';
import {
  bureauToken,
  insertRedemption,
  insertSettlementRun,
  insertVouchers,
  makeCampaign,
  makeMerchant,
  makeRound,
} from './support/factories';
import { ApiClient } from './support/http';
import { bootTestApp, TEST_ADMIN, TestApp } from './support/test-app';

const ARTIFACTS = join(__dirname, '..', 'artifacts');
const SCREENSHOT = join(ARTIFACTS, 'dashboard.png');
const OVERVIEW_SCREENSHOT = join(ARTIFACTS, 'dashboard-overview.png');
const HOUR = 3600_000;

/** The page's `document`, for callbacks that run in Chromium (no DOM library at compile time). */
declare const document: any;

/** The page's formatting, restated: yuan from integer fen, counts grouped, ratios. */
function shown(key: string, value: number | null): string {
  if (value === null) return '—';
  if (['claimed', 'redeemed', 'remaining'].includes(key)) return value.toLocaleString('en-US');
  if (key === 'leverage') return `${value.toFixed(2)}×`;
  if (key === 'redemptionRate') return `${(value * 100).toFixed(1)}%`;
  return `¥${Math.trunc(value / 100).toLocaleString('en-US')}.${String(value % 100).padStart(2, '0')}`;
}

const KEYS = [
  'budget',
  'allocated',
  'claimed',
  'claimedValue',
  'redeemed',
  'subsidy',
  'salesDriven',
  'leverage',
  'redemptionRate',
  'remaining',
  'settled',
  'paid',
];

async function cards(page: Page): Promise<Record<string, { value: string; text: string }>> {
  // Runs in the page; typed loosely because this project compiles without the DOM library.
  return page.$$eval('[data-figure]', (elements: any[]) =>
    Object.fromEntries(
      elements.map((e) => [e.dataset.figure, { value: e.dataset.value ?? '', text: e.querySelector('.value')?.textContent ?? '' }]),
    ),
  );
}

function expectCardsToShow(shownCards: Record<string, { value: string; text: string }>, figures: Record<string, number | null>): void {
  for (const key of KEYS) {
    expect({ key, ...shownCards[key] }).toEqual({
      key,
      value: figures[key] === null ? 'null' : String(figures[key]),
      text: shown(key, figures[key]),
    });
  }
}

describe('Dashboard in headless Chromium', () => {
  let app: TestApp;
  let api: ApiClient;
  let bureau: string;
  let context: BrowserContext;
  let userDataDir: string;
  let campaignId: string;
  let denominationId: string;
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    assertChromium();
    app = await bootTestApp();
    api = new ApiClient(app.baseUrl);
    bureau = await bureauToken(api);
    const campaign = await makeCampaign(api, bureau, { name: '家电以旧换新 Appliance trade-in', theme: 'appliances' });
    campaignId = campaign.id;
    const merchants = [];
    for (const name of ['苏宁 Suning', '国美 Gome', '本地电器行 Local store'])
      merchants.push((await makeMerchant(api, bureau, { name, themes: ['appliances'] })).merchant.id);
    const now = Date.now();
    for (let r = 1; r <= 2; r++) {
      const round = await makeRound(api, bureau, campaignId, {
        name: `第${r}期 Round ${r}`,
        denominations: [
          { faceValue: 20000, minSpend: 100000, quantity: 80 },
          { faceValue: 5000, minSpend: 20000, quantity: 120 },
        ],
      });
      denominationId = round.denominations[0].id;
      for (const [i, d] of round.denominations.entries()) {
        const vouchers = await insertVouchers(
          app.db,
          d.id,
          Array.from({ length: 40 + 10 * i * r }, (_, k) => new Date(now - (5 - (k % 4)) * 24 * HOUR)),
        );
        for (const [k, voucher] of vouchers.entries()) {
          if (k % 3 !== 0)
            await insertRedemption(
              app.db,
              voucher,
              merchants[k % merchants.length],
              100000 + 1733 * k,
              new Date(now - (3 - (k % 3)) * 24 * HOUR),
            );
        }
      }
    }
    await insertSettlementRun(app.db, new Date(), merchants.slice(0, 1));
    await makeCampaign(api, bureau, { name: '年货节 New Year goods', theme: 'new-year-goods' });

    userDataDir = mkdtempSync(join(tmpdir(), 'juhui-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1440, height: 1000 },
      args: CHROMIUM_ARGS,
    });
    context.on('request', (request) => {
      if (!request.url().startsWith(app.baseUrl)) foreignRequests.push(request.url());
    });
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await app?.close();
  });

  it('refuses a wrong password, then logs in and shows the same numbers as the API, as charts', async () => {
    const page = await context.newPage();
    await page.goto(`${app.baseUrl}/dashboard?refresh=2`);
    await page.waitForSelector('#login', { state: 'visible' });
    expect(await page.isVisible('#dashboard')).toBe(false);

    await page.fill('input[name=username]', TEST_ADMIN.username);
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('#login button[type=submit]');
    await page.waitForFunction(() => (document.getElementById('login-error')?.textContent ?? '').length > 0);
    expect(await page.isVisible('#dashboard')).toBe(false);

    await page.fill('input[name=username]', TEST_ADMIN.username);
    await page.fill('input[name=password]', TEST_ADMIN.password);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('[data-figure="budget"]');

    // Overall: the programme's total.
    const overview = (await api.get('/api/v1/stats/overview', { token: bureau })).body;
    expect(overview.total.redeemed).toBeGreaterThan(0);
    expect(overview.total.settled).toBeGreaterThan(0);
    expectCardsToShow(await cards(page), overview.total);
    expect(await page.textContent('#scope-title')).toContain('All campaigns');
    expect(await page.$$eval('#chart-campaigns canvas', (canvases: unknown[]) => canvases.length)).toBeGreaterThan(0);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.waitForTimeout(500); // let the charts' entry animation finish before the picture
    await page.screenshot({ path: OVERVIEW_SCREENSHOT, fullPage: true });

    // One campaign.
    await page.selectOption('#campaign', campaignId);
    await page.waitForFunction(() => (document.getElementById('scope-title')?.textContent ?? '').includes('Appliance trade-in'));
    await page.waitForFunction(
      (budget) => document.querySelector('[data-figure="budget"]')?.getAttribute('data-value') === budget,
      String((await api.get(`/api/v1/stats/campaigns/${campaignId}`, { token: bureau })).body.budget),
    );
    const stats = (await api.get(`/api/v1/stats/campaigns/${campaignId}`, { token: bureau })).body;
    expectCardsToShow(await cards(page), stats);

    // Every chart is drawn (ECharts renders into a canvas) and the labels are bilingual.
    for (const chart of ['chart-daily', 'chart-burn', 'chart-stock', 'chart-merchants']) {
      expect(await page.$$eval(`#${chart} canvas`, (canvases) => canvases.length)).toBeGreaterThan(0);
    }
    const text = await page.textContent('body');
    for (const label of [
      '预算',
      'Budget',
      '带动消费',
      'Sales driven',
      '撬动比',
      'Leverage',
      '每日领取与核销',
      'per day',
      '预算消耗',
      'Budget burn',
      '剩余库存',
      'Top merchants',
    ]) {
      expect(text).toContain(label);
    }

    // It refreshes by itself: new claims appear without a reload.
    await insertVouchers(
      app.db,
      denominationId,
      Array.from({ length: 7 }, () => new Date()),
    );
    const claimed = stats.claimed + 7;
    await page.waitForFunction(
      (want) => document.querySelector('[data-figure="claimed"]')?.getAttribute('data-value') === want,
      String(claimed),
      { timeout: 20000 },
    );
    expectCardsToShow(await cards(page), (await api.get(`/api/v1/stats/campaigns/${campaignId}`, { token: bureau })).body);

    await page.waitForTimeout(500);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT) && existsSync(OVERVIEW_SCREENSHOT)).toBe(true);

    // Everything the page loaded came from this app (ECharts included): no CDN.
    expect(foreignRequests).toEqual([]);
    await page.close();
  });

  it('signs out on the server: afterwards the queue board refuses the cookie; cookie writes need our Origin', async () => {
    const page = await context.newPage();
    await page.goto(`${app.baseUrl}/dashboard`);
    await page.fill('input[name=username]', TEST_ADMIN.username);
    await page.fill('input[name=password]', TEST_ADMIN.password);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('[data-figure="budget"]');

    const session = (await context.cookies(app.baseUrl)).find((cookie) => cookie.name === 'juhui_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false });
    // The context's request client sends the browser's cookies, as the board's own page does.
    const board = context.request;
    const queues = `${app.baseUrl}/admin/queues/api/queues`;
    const pause = `${app.baseUrl}/admin/queues/api/queues/settlement/pause`;
    const paused = async (): Promise<boolean> =>
      ((await (await board.get(queues)).json()) as { queues: Array<{ name: string; isPaused: boolean }> }).queues.find(
        (queue) => queue.name === 'settlement',
      )!.isPaused;
    expect((await board.get(queues)).status()).toBe(200);

    // A write carried by the cookie from another site, or with no Origin at all, is refused and changes nothing.
    expect((await board.put(pause, { headers: { origin: 'https://attacker.example' } })).status()).toBe(403);
    expect((await board.put(pause)).status()).toBe(403);
    expect(await paused()).toBe(false);
    // From our own origin it is done (and undone).
    expect((await board.put(pause, { headers: { origin: app.baseUrl } })).status()).toBe(200);
    expect(await paused()).toBe(true);
    expect(
      (await board.put(`${app.baseUrl}/admin/queues/api/queues/settlement/resume`, { headers: { origin: app.baseUrl } })).status(),
    ).toBe(200);

    const [logout] = await Promise.all([
      page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/logout')),
      page.click('#logout'),
    ]);
    expect(logout.status()).toBe(204);
    await page.waitForSelector('#login', { state: 'visible' });

    // The browser dropped the cookie, and the session it named is over on the server: a copy kept by anyone is refused.
    expect((await context.cookies(app.baseUrl)).some((cookie) => cookie.name === 'juhui_session')).toBe(false);
    expect((await board.get(queues)).status()).toBe(401);
    const replayed = await fetch(queues, { headers: { cookie: `juhui_session=${session!.value}` } });
    expect(replayed.status).toBe(401);
    const replayedPause = await fetch(pause, {
      method: 'PUT',
      headers: { cookie: `juhui_session=${session!.value}`, origin: app.baseUrl },
    });
    expect(replayedPause.status).toBe(401);
    expect((await api.get('/api/v1/stats/overview', { token: session!.value })).status).toBe(401);
    await page.close();
  });

  it('serves the page and its scripts without a token, and no data without one', async () => {
    const page = await api.get('/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).not.toMatch(/https?:\/\//); // nothing from elsewhere
    const echarts = await api.get('/dashboard/assets/echarts.min.js');
    expect(echarts.status).toBe(200);
    expect(echarts.headers.get('content-type')).toMatch(/javascript/);
    expect((await api.get('/dashboard/assets/..%2F..%2Fpackage.json')).status).toBe(404);
    expect((await api.get('/api/v1/stats/overview')).status).toBe(401);
  });
});
