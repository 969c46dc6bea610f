import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQR from 'jsqr';
import { Browser, BrowserContext, chromium, Page, Request, Route } from 'playwright-core';
import type { RoundView } from '../src/campaigns/campaign.view';
import type { VoucherView } from '../src/vouchers/voucher.view';
import { assertChromium, CHROMIUM, CHROMIUM_ARGS, fakeCameraArgs, writeQrVideo } from './support/browser';
import { bureauToken, insertVoucher, makeCampaign, makeMerchant, makeRound, residentToken } from './support/factories';
import { ApiClient, Json } from './support/http';
import { bootTestApp, TestApp } from './support/test-app';

const ARTIFACTS = join(__dirname, '..', 'artifacts', 'pages');
const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };
const HOUR = 3600_000;
/** The cashier page's REDEEM_TIMEOUT_MS, and a little more. */
const PAST_REDEEM_TIMEOUT_MS = 11_000;

/** The page's `document` and `window`, for callbacks that run in Chromium (no DOM library at compile time). */
declare const document: any;
declare const sessionStorage: any;

describe('the wallet and the cashier page in headless Chromium', () => {
  let app: TestApp;
  let api: ApiClient;
  let browser: Browser;
  let openRound: Json<RoundView>;
  let upcomingRound: Json<RoundView>;
  let closedRoundId: string;
  let merchantKey: string;
  const merchantName = '老街餐馆 Old Street Diner';
  let voucher: Json<VoucherView>;
  let workDir: string;

  beforeAll(async () => {
    assertChromium();
    app = await bootTestApp();
    api = new ApiClient(app.baseUrl);
    const bureau = await bureauToken(api);
    const catering = await makeCampaign(api, bureau, { name: '餐饮消费季 Dining season', theme: 'catering' });
    openRound = await makeRound(api, bureau, catering.id, {
      name: '第1期 Round 1',
      denominations: [{ faceValue: 5000, minSpend: 20000, quantity: 10 }],
    });
    // Closed early by the bureau: its window still runs, but the wallet must not offer it.
    closedRoundId = (
      await makeRound(api, bureau, catering.id, {
        name: '已结束 Closed early',
        denominations: [{ faceValue: 1000, minSpend: 5000, quantity: 5 }],
      })
    ).id;
    expect((await api.post(`/api/v1/rounds/${closedRoundId}/close`, undefined, { token: bureau })).status).toBe(200);
    const appliances = await makeCampaign(api, bureau, { name: '家电焕新 Appliances', theme: 'appliances' });
    upcomingRound = await makeRound(api, bureau, appliances.id, {
      name: '第2期 Round 2',
      claimOpensAt: new Date(Date.now() + 2 * HOUR).toISOString(),
      claimClosesAt: new Date(Date.now() + 26 * HOUR).toISOString(),
    });
    merchantKey = (await makeMerchant(api, bureau, { name: merchantName, themes: ['catering'] })).apiKey;
    await makeMerchant(api, bureau, { name: '汽车城 Car town', themes: ['autos'] });
    mkdirSync(ARTIFACTS, { recursive: true });
    workDir = mkdtempSync(join(tmpdir(), 'juhui-pages-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    await app?.close();
  });

  const redemptionRows = async (voucherId: string): Promise<number> =>
    Number((await app.db.query<{ n: string }>('SELECT count(*) AS n FROM redemptions WHERE voucher_id = $1', [voucherId]))[0].n);

  const textOf = async (page: Page, selector: string): Promise<string> => (await page.textContent(selector)) ?? '';

  /** Waits until the element's text contains `part`. */
  const showsText = (page: Page, selector: string, part: string) =>
    page.waitForFunction(([s, p]) => (document.querySelector(s)?.textContent ?? '').includes(p), [selector, part] as const);

  async function signInCashier(page: Page): Promise<void> {
    await page.goto(`${app.baseUrl}/cashier`);
    await page.fill('#api-key', merchantKey);
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('#till', { state: 'visible' });
  }

  /** Types a code and an amount and verifies: the page then holds one checkout attempt with its key. */
  async function verifyAtTill(page: Page, code: string, amountYuan: string): Promise<void> {
    await page.fill('#code', code);
    await page.fill('#order-amount', amountYuan);
    await page.click('#verify');
    await page.waitForSelector('#redeem:not([disabled])', { state: 'visible' });
  }

  /** Records the Idempotency-Key of every redemption the page sends. */
  function redemptionKeys(page: Page): string[] {
    const keys: string[] = [];
    page.on('request', (request: Request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/api/v1/redemptions')
        keys.push(request.headers()['idempotency-key']);
    });
    return keys;
  }

  async function screenshots(page: Page, name: string): Promise<void> {
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-360x740.png`), fullPage: true });
    await page.setViewportSize(DESKTOP);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-1280x800.png`), fullPage: true });
  }

  it('serves both pages with a strict content security policy, no cache, and only allow-listed assets', async () => {
    for (const path of ['/wallet', '/cashier']) {
      const page = await api.get(path);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('cache-control')).toBe('no-cache');
      const policy = page.headers.get('content-security-policy') ?? '';
      expect(policy).toContain("script-src 'self';");
      expect(policy).toContain("connect-src 'self'");
      expect(policy).not.toContain('unsafe-inline');
      expect(page.text).not.toMatch(/https?:\/\//); // nothing from elsewhere
      expect(page.text).not.toMatch(/<script>|<script\s+type="module">|\son\w+=/); // no inline script or handler
    }
    expect((await api.get('/cashier')).headers.get('permissions-policy')).toBe('camera=(self)');
    expect((await api.get('/wallet')).headers.get('permissions-policy')).toBe('camera=()');
    for (const name of ['pages.js', 'wallet.js', 'cashier.js', 'qrcode.mjs', 'jsQR.js']) {
      const asset = await api.get(`/pages/assets/${name}`);
      expect({ name, status: asset.status, type: asset.headers.get('content-type') }).toEqual({
        name,
        status: 200,
        type: 'text/javascript; charset=utf-8',
      });
    }
    expect((await api.get('/pages/assets/pages.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    for (const name of ['wallet.html', '..%2F..%2Fpackage.json', 'dashboard.js'])
      expect((await api.get(`/pages/assets/${name}`)).status).toBe(404);
  });

  it('a resident opens the wallet link, sees the rounds with live stock, claims, and sees the voucher with its QR code', async () => {
    const token = residentToken('resident-wallet');
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    const urls: string[] = [];
    page.on('request', (request: Request) => urls.push(request.url()));
    await page.goto(`${app.baseUrl}/wallet#token=${token}`);
    const card = `[data-round-id="${openRound.id}"]`;
    await page.waitForSelector(card);
    expect(await page.$(`[data-round-id="${closedRoundId}"]`)).toBeNull();

    // The token moved from the address bar into sessionStorage; no request ever carried it in a URL.
    expect(page.url()).toBe(`${app.baseUrl}/wallet`);
    expect(await page.evaluate(() => sessionStorage.getItem('juhui.wallet.token'))).toBe(token);

    // Open and upcoming rounds: the upcoming one counts down and cannot be claimed yet.
    const denomination = openRound.denominations[0];
    expect(await textOf(page, card)).toContain('满 ¥200.00 减 ¥50.00');
    expect(await page.getAttribute(`[data-remaining="${denomination.id}"]`, 'data-value')).toBe('10');
    const upcoming = `[data-round-id="${upcomingRound.id}"]`;
    expect(await textOf(page, upcoming)).toMatch(/距开始领取还有 (01:59|02:00):\d\d/);
    expect(await page.isDisabled(`${upcoming} button`)).toBe(true);

    await page.click(`${card} button[data-denomination="${denomination.id}"]`);
    await showsText(page, `${card} [role=status]`, '领取成功');
    const vouchers = (await api.get<{ items: VoucherView[] }>('/api/v1/me/vouchers', { token })).body.items;
    expect(vouchers).toHaveLength(1);
    voucher = vouchers[0];
    const shown = `[data-voucher-id="${voucher.id}"]`;
    await page.waitForSelector(shown);
    // Live stock: the claim shows as one fewer left.
    await page.waitForFunction((id) => document.querySelector(`[data-remaining="${id}"]`)?.dataset.value === '9', denomination.id);
    const text = await textOf(page, shown);
    expect(text).toContain(voucher.code);
    expect(text).toContain('可使用');
    expect(text).toContain(merchantName); // where it can be used: the catering merchants of the directory
    expect(text).not.toContain('Car town');

    // The QR code holds the voucher's code: decode the picture the page drew.
    const pixels = await page.$eval(`${shown} img.qr`, (img: any) => {
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const context2d = canvas.getContext('2d');
      context2d.drawImage(img, 0, 0);
      const data = context2d.getImageData(0, 0, canvas.width, canvas.height);
      return { width: data.width, height: data.height, data: Array.from(data.data as number[]) };
    });
    expect(jsQR(Uint8ClampedArray.from(pixels.data), pixels.width, pixels.height)?.data).toBe(voucher.code);

    // A second claim is refused by the per-resident limit, in plain words.
    await page.click(`${card} button[data-denomination="${denomination.id}"]`);
    await showsText(page, `${card} [role=status]`, '您已领满本期的限额');

    await screenshots(page, 'wallet-zh');
    await page.click('#language');
    await showsText(page, 'h1', 'My wallet');
    expect(await textOf(page, shown)).toContain('Ready to use');
    await screenshots(page, 'wallet-en');
    // Remembered: the next visit opens in English.
    await page.reload();
    await showsText(page, 'h1', 'My wallet');
    await page.click('#language');

    expect(urls.filter((url) => url.includes(token))).toEqual([]);
    expect(urls.filter((url) => !url.startsWith(app.baseUrl))).toEqual([]);
    await context.close();
  });

  it('says in plain words why a claim was refused: sold out, not open, rate limited with the wait, signed out', async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    const refusal = { status: 409, code: 'SOLD_OUT', headers: {} as Record<string, string> };
    await page.route('**/api/v1/claims', (route: Route) =>
      route.fulfill({
        status: refusal.status,
        headers: { 'content-type': 'application/json', ...refusal.headers },
        body: JSON.stringify({ statusCode: refusal.status, code: refusal.code, message: 'refused' }),
      }),
    );
    await page.goto(`${app.baseUrl}/wallet#token=${residentToken('resident-refused')}`);
    const card = `[data-round-id="${openRound.id}"]`;
    const button = `${card} button[data-denomination="${openRound.denominations[0].id}"]`;
    await page.waitForSelector(`${button}:not([disabled])`);
    const cases: Array<[number, string, Record<string, string>, string]> = [
      [409, 'SOLD_OUT', {}, '这种券已经领完了'],
      [409, 'ROUND_NOT_OPEN', {}, '本期现在不在领取时间内'],
      [429, 'RATE_LIMITED', { 'retry-after': '42' }, '请 42 秒后再试'],
      [401, 'UNAUTHENTICATED', {}, '身份验证失败或已过期'],
    ];
    for (const [status, code, headers, words] of cases) {
      Object.assign(refusal, { status, code, headers });
      await page.waitForSelector(`${button}:not([disabled])`);
      await page.click(button);
      await showsText(page, `${card} [role=status]`, words);
    }
    // A refused token is forgotten, and the page says how to get back in.
    expect(await page.evaluate(() => sessionStorage.getItem('juhui.wallet.token'))).toBeNull();
    expect(await textOf(page, '#notice')).toContain('请从城市 App 重新打开');
    await context.close();
  });

  it('the cashier signs in with the key, scans the voucher’s QR code through the camera, and redeems it once', async () => {
    expect(voucher).toBeDefined(); // claimed in the wallet above
    const video = join(workDir, 'voucher-qr.y4m');
    writeQrVideo(video, voucher.code);
    const cameraBrowser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, ...fakeCameraArgs(video)],
    });
    try {
      const page = await (await cameraBrowser.newContext({ viewport: PHONE })).newPage();
      await page.goto(`${app.baseUrl}/cashier`);
      await page.fill('#api-key', 'jh_not-a-real-key');
      await page.click('#sign-in button[type=submit]');
      await showsText(page, '[data-error-for=apiKey]', 'API 密钥无效');
      expect(await page.isVisible('#till')).toBe(false);
      await page.fill('#api-key', merchantKey);
      await page.click('#sign-in button[type=submit]');
      await page.waitForSelector('#till', { state: 'visible' });

      await page.fill('#order-amount', '250');
      await page.click('#scan');
      // The camera frame is decoded, the code filled in, and the voucher verified at once.
      await page.waitForSelector('#result[data-eligible=true]', { timeout: 30_000 });
      expect(await page.inputValue('#code')).toBe(voucher.code);
      expect(await textOf(page, '#verdict')).toContain('这张券可以使用');
      expect(await textOf(page, '#result-discount')).toBe('¥50.00');
      expect(await textOf(page, '#result-payable')).toBe('¥200.00');
      await screenshots(page, 'cashier-verified');

      await page.click('#redeem');
      await showsText(page, '#checkout-message', '核销成功：抵扣 ¥50.00，请向顾客收取 ¥200.00');
      expect(await redemptionRows(voucher.id)).toBe(1);
      await page.waitForSelector('#today tbody tr');
      expect(await textOf(page, '#today tbody')).toContain(voucher.code);
      expect(await page.getAttribute('#today-count', 'data-value')).toBe('1');
      expect(await textOf(page, '#today-order')).toBe('¥250.00');
      expect(await textOf(page, '#today-payable')).toBe('¥200.00');
      await screenshots(page, 'cashier-redeemed');

      // Verifying it again says, in plain words, that it was used.
      await page.fill('#code', voucher.code);
      await page.fill('#order-amount', '250');
      await page.click('#verify');
      await showsText(page, '#verdict', '这张券已经使用过了');
    } finally {
      await cameraBrowser.close();
    }
  });

  describe('one Idempotency-Key per checkout attempt', () => {
    let context: BrowserContext;
    let page: Page;

    beforeEach(async () => {
      context = await browser.newContext({ viewport: PHONE });
      page = await context.newPage();
    });
    afterEach(() => context.close());

    it('a double tap redeems once and shows the one redemption', async () => {
      const { id, code } = await insertVoucher(app.db, openRound.denominations[0].id);
      const keys = redemptionKeys(page);
      await signInCashier(page);
      await verifyAtTill(page, code, '300.00');
      await page.dblclick('#redeem');
      await page.evaluate(() => {
        const button = document.getElementById('redeem');
        button.click();
        button.click();
      });
      await showsText(page, '#checkout-message', '核销成功');
      expect(await redemptionRows(id)).toBe(1);
      // The taps after the first were ignored while it was under way: one request, one key.
      expect(keys).toHaveLength(1);
    });

    it('a first attempt that timed out, then a retry: one redemption, and the retry shows it', async () => {
      const { id, code } = await insertVoucher(app.db, openRound.denominations[0].id);
      const keys = redemptionKeys(page);
      await page.clock.install();
      let answered: () => void;
      const serverAnswered = new Promise<void>((resolve) => (answered = resolve));
      let first = true;
      await page.route('**/api/v1/redemptions', async (route: Route) => {
        if (!first) return route.fallback();
        first = false;
        // The server redeems, but its answer is held back until the page has stopped waiting.
        const response = await route.fetch();
        answered();
        await serverAnswered;
        await showsText(page, '#checkout-message', '服务器没有及时回应').catch(() => undefined);
        await route.fulfill({ response }).catch(() => undefined);
      });
      await signInCashier(page);
      await verifyAtTill(page, code, '200');
      await page.click('#redeem');
      await serverAnswered;
      await page.clock.fastForward(PAST_REDEEM_TIMEOUT_MS);
      await showsText(page, '#checkout-message', '服务器没有及时回应');
      expect(await textOf(page, '#redeem')).toContain('重试核销');
      expect(await redemptionRows(id)).toBe(1);

      await page.click('#redeem');
      await showsText(page, '#checkout-message', '核销成功');
      expect(await redemptionRows(id)).toBe(1);
      expect(keys).toHaveLength(2);
      expect(new Set(keys).size).toBe(1);
    });

    it('a reload while the redemption is under way: the page sends the same key again and shows the one redemption', async () => {
      const { id, code } = await insertVoucher(app.db, openRound.denominations[0].id);
      const keys = redemptionKeys(page);
      let reached: () => void;
      const serverRedeemed = new Promise<void>((resolve) => (reached = resolve));
      let first = true;
      await page.route('**/api/v1/redemptions', async (route: Route) => {
        if (!first) return route.fallback();
        first = false;
        // The server redeems; the answer never reaches the page, which is reloaded meanwhile.
        await route.fetch();
        reached();
      });
      await signInCashier(page);
      await verifyAtTill(page, code, '200');
      await page.click('#redeem');
      await serverRedeemed;
      expect(await redemptionRows(id)).toBe(1);

      await page.reload();
      await showsText(page, '#checkout-message', '核销成功');
      expect(await redemptionRows(id)).toBe(1);
      expect(keys).toHaveLength(2);
      expect(new Set(keys).size).toBe(1);
      // The attempt is over: nothing is left to send again.
      expect(await page.evaluate(() => sessionStorage.getItem('juhui.cashier.attempt'))).toBeNull();
    });
  });

  it('the cashier reverses a redemption of today from its row, with the keyboard, and the totals no longer count it', async () => {
    const { id, code } = await insertVoucher(app.db, openRound.denominations[0].id);
    const redeemed = await api.post<{ id: string }>(
      '/api/v1/redemptions',
      { code, orderAmount: 40000 },
      { token: merchantKey, headers: { 'idempotency-key': `reverse-test-${id}` } },
    );
    expect(redeemed.status).toBe(201);
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await signInCashier(page);
    const row = `#today tr[data-redemption-id="${redeemed.body.id}"]`;
    await page.waitForSelector(row);
    const standing = Number(await page.getAttribute('#today-count', 'data-value'));

    await page.focus(`${row} button`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#reverse-dialog[open]');
    expect(await textOf(page, '#reverse-summary')).toContain('¥400.00');
    await page.keyboard.press('Enter'); // no reason yet: said beside the field, nothing sent
    await showsText(page, '[data-error-for=reason]', '请填写撤销原因');
    await page.keyboard.type('顾客退货 Customer returned the goods');
    await page.keyboard.press('Enter');
    await showsText(page, '#reverse-message', '已撤销');
    const [stored] = await app.db.query<{ status: string }>('SELECT status FROM redemptions WHERE id = $1', [redeemed.body.id]);
    expect(stored.status).toBe('reversed');
    await page.click('#reverse-close');
    await showsText(page, row, '已撤销');
    expect(Number(await page.getAttribute('#today-count', 'data-value'))).toBe(standing - 1);
    await context.close();
  });

  it('with the API away, each page says so instead of going blank', async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const wallet = await context.newPage();
    await wallet.route('**/api/v1/**', (route: Route) =>
      route.fulfill({
        status: 503,
        headers: { 'content-type': 'application/json', 'retry-after': '5' },
        body: JSON.stringify({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: 'away' }),
      }),
    );
    await wallet.goto(`${app.baseUrl}/wallet#token=${residentToken('resident-away')}`);
    await showsText(wallet, '#notice', '服务暂时不可用');
    expect(await wallet.isVisible('#notice')).toBe(true);
    await wallet.waitForFunction(() => !document.querySelector('#rounds-status')?.textContent?.includes('加载中'));
    expect(await textOf(wallet, 'h1')).toContain('我的券包');
    await wallet.screenshot({ path: join(ARTIFACTS, 'wallet-api-away-360x740.png'), fullPage: true });

    const cashier = await context.newPage();
    await signInCashier(cashier);
    await cashier.route('**/api/v1/**', (route: Route) => route.abort('failed'));
    await cashier.fill('#code', 'ABCD-EFGH-JKMN');
    await cashier.fill('#order-amount', '100');
    await cashier.click('#verify');
    await showsText(cashier, '#checkout-message', '无法连接服务器');
    expect(await cashier.isVisible('#checkout')).toBe(true);
    await cashier.screenshot({ path: join(ARTIFACTS, 'cashier-api-away-360x740.png'), fullPage: true });
    await context.close();
  });
});
