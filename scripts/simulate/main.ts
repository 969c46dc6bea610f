import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { signToken } from '../../src/auth/jwt';

/**
 * `npm run simulate`: realistic traffic against a running Juhui (the demo from `npm start`),
 * so the dashboard shows a living programme. Through the public API only:
 *   1. the bureau sets up a campaign with a round opening a few seconds from now, and
 *      registers a few merchants;
 *   2. residents rush the round as it opens (far more residents than vouchers: sold-out,
 *      already-claimed and rate-limited answers are counted);
 *   3. merchants check vouchers and redeem them with realistic order amounts (some below
 *      the minimum spend, some retried with the same Idempotency-Key), and reverse a few;
 *   4. the bureau starts one settlement run and waits for it.
 * Bounded in time (--seconds), loopback only, progress printed as it runs.
 *
 *   npm run simulate -- --seconds 60 --residents 3000 --password <bureau password>
 * Options: --base-url (http://localhost:3000), --username/--password (or BUREAU_ADMIN_USERNAME /
 * BUREAU_ADMIN_PASSWORD), --merchants 6, --concurrency 40. Resident tokens are signed with
 * AUTH_JWT_SECRET, or the key the server keeps in DATA_DIR/jwt-secret (as `npm run token`).
 */
const { values } = parseArgs({
  options: {
    'base-url': { type: 'string', default: 'http://localhost:3000' },
    seconds: { type: 'string', default: '60' },
    residents: { type: 'string', default: '3000' },
    merchants: { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '40' },
    username: { type: 'string', default: process.env.BUREAU_ADMIN_USERNAME ?? 'admin' },
    password: { type: 'string', default: process.env.BUREAU_ADMIN_PASSWORD },
  },
});

const SECONDS = Number(values.seconds);
const RESIDENTS = Number(values.residents);
const MERCHANTS = Number(values.merchants);
const CONCURRENCY = Number(values.concurrency);
const BASE = new URL(values['base-url']);
const started = Date.now();
const deadline = started + SECONDS * 1000;
const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s`;
const say = (message: string): void => void process.stdout.write(`[${elapsed()}] ${message}\n`);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, Math.max(0, ms)));

function checkOptions(): void {
  if (!['localhost', '127.0.0.1', '[::1]'].includes(BASE.hostname))
    throw new Error(`--base-url must be a loopback address (localhost, 127.0.0.1, [::1]); got ${BASE.hostname}`);
  for (const [name, value, max] of [
    ['seconds', SECONDS, 3600],
    ['residents', RESIDENTS, 200000],
    ['merchants', MERCHANTS, 50],
    ['concurrency', CONCURRENCY, 500],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`--${name} must be a whole number from 1 to ${max}`);
  }
  if (SECONDS < 20) throw new Error('--seconds must be at least 20 (rush, redemptions and settlement each need a few)');
  if (!values.password) throw new Error('the bureau password is needed: --password or BUREAU_ADMIN_PASSWORD');
}

/** The key the server signs JWTs with, read as `npm run token` does, never generated here. */
function jwtSecret(): string {
  if (process.env.AUTH_JWT_SECRET) return process.env.AUTH_JWT_SECRET;
  const file = join(resolve(process.env.DATA_DIR ?? '.data'), 'jwt-secret');
  if (!existsSync(file)) throw new Error(`no AUTH_JWT_SECRET and no ${file}: start the demo first (npm start) or set AUTH_JWT_SECRET`);
  return readFileSync(file, 'utf8').trim();
}

interface Answer {
  status: number;
  body: any;
}

async function call(
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(new URL(path, BASE), {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed };
}

async function expectOk(answer: Promise<Answer>, what: string): Promise<any> {
  const { status, body } = await answer;
  if (status >= 300) throw new Error(`${what} failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Outcome tallies, printed as they grow. */
class Tally {
  private readonly counts = new Map<string, number>();
  add(outcome: string): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1);
  }
  get(outcome: string): number {
    return this.counts.get(outcome) ?? 0;
  }
  summary(): string {
    return [...this.counts].map(([outcome, n]) => `${outcome} ${n}`).join(', ') || '—';
  }
}
/** 'created' / 'ok' for successes, else the error code the API answered with. */
const outcomeOf = (answer: Answer): string =>
  answer.status === 201 ? 'created' : answer.status < 300 ? 'ok' : (answer.body?.code ?? String(answer.status));

/** Runs `work` over the items with at most `CONCURRENCY` in flight, stopping at `until`. */
async function pool<T>(items: T[], until: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && Date.now() < until) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** A shop's bill: mostly a little above the minimum spend, now and then far above, rarely below. */
function orderAmount(minSpend: number): number {
  if (Math.random() < 0.04) return Math.round(minSpend * 0.8);
  const factor = Math.exp(0.1 + 0.5 * Math.abs(gaussian()));
  return Math.round((minSpend * factor) / 100) * 100 + Math.floor(Math.random() * 100);
}
function gaussian(): number {
  return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
}

async function main(): Promise<void> {
  checkOptions();
  const secret = jwtSecret();
  const bureau = (
    await expectOk(call('POST', '/api/v1/auth/login', undefined, { username: values.username, password: values.password }), 'bureau login')
  ).accessToken as string;

  // 1. Set-up: a campaign with one round that opens in a few seconds, and some merchants.
  const now = Date.now();
  const opensAt = now + 5000;
  const stamp = new Date(now).toISOString().slice(11, 19);
  const campaign = await expectOk(
    call('POST', '/api/v1/campaigns', bureau, {
      name: `模拟餐饮消费券 Simulation ${stamp}`,
      theme: 'catering',
      budget: 50_000_000,
      startsAt: new Date(now - 60_000).toISOString(),
      endsAt: new Date(now + 60 * 24 * 3600_000).toISOString(),
      description: 'Traffic from npm run simulate',
    }),
    'create campaign',
  );
  await expectOk(call('POST', `/api/v1/campaigns/${campaign.id}/publish`, bureau), 'publish campaign');
  const stock = Math.max(20, Math.floor(RESIDENTS * 0.4));
  const round = await expectOk(
    call('POST', `/api/v1/campaigns/${campaign.id}/rounds`, bureau, {
      name: `第1期 Round 1 (${stamp})`,
      claimOpensAt: new Date(opensAt).toISOString(),
      claimClosesAt: new Date(deadline + 3600_000).toISOString(),
      perResidentLimit: 1,
      voucherValidFrom: new Date(now).toISOString(),
      voucherValidUntil: new Date(now + 30 * 24 * 3600_000).toISOString(),
      denominations: [
        { faceValue: 2000, minSpend: 10000, quantity: Math.ceil(stock * 0.6) },
        { faceValue: 5000, minSpend: 20000, quantity: Math.ceil(stock * 0.3) },
        { faceValue: 10000, minSpend: 50000, quantity: Math.ceil(stock * 0.1) },
      ],
    }),
    'create round',
  );
  const merchants: Array<{ id: string; apiKey: string }> = [];
  for (let i = 1; i <= MERCHANTS; i++) {
    const created = await expectOk(
      call('POST', '/api/v1/merchants', bureau, {
        name: `模拟商户 ${i} Sim merchant ${stamp}`,
        themes: ['catering'],
        settlementAccount: {
          bankName: '中国工商银行',
          accountName: `模拟商户 ${i}`,
          accountNumber: `62220200${String(Date.now()).slice(-8)}${i}`,
        },
      }),
      'register merchant',
    );
    merchants.push({ id: created.merchant.id, apiKey: created.apiKey });
  }
  say(`campaign ${campaign.id}: round of ${stock} vouchers opens in 5 s for ${RESIDENTS} residents; ${MERCHANTS} merchants registered`);
  say(`watch it on ${new URL('/dashboard', BASE).href}`);

  const claims = new Tally();
  const redemptions = new Tally();
  const reversals = new Tally();
  const vouchers: Array<{ code: string; minSpend: number }> = [];
  const redeemed: Array<{ id: string; merchant: string }> = [];
  const progress = setInterval(() => {
    say(`claims: ${claims.summary()} | redemptions: ${redemptions.summary()} | reversals: ${reversals.summary()}`);
  }, 2000);

  try {
    // 2. The rush: everyone at the opening second; a tenth of residents press twice.
    await sleep(opensAt - Date.now());
    say('round open: residents rushing');
    const residents = Array.from({ length: RESIDENTS }, (_, i) => `sim-${stamp.replace(/:/g, '')}-${i}`);
    const attempts = [...residents, ...residents.filter(() => Math.random() < 0.1)].sort(() => Math.random() - 0.5);
    const rushEnds = opensAt + Math.max(5000, (deadline - opensAt) * 0.3); // at most 30% of the time
    const denominations: Array<{ id: string }> = round.denominations;
    await pool(attempts, rushEnds, async (resident) => {
      const token = signToken({ role: 'resident', residentId: resident }, secret, 3600);
      const denomination = denominations[Math.random() < 0.6 ? 0 : Math.random() < 0.75 ? 1 : 2];
      const answer = await call('POST', '/api/v1/claims', token, { denominationId: denomination.id }).catch(() => ({
        status: 0,
        body: { code: 'NETWORK' },
      }));
      claims.add(outcomeOf(answer));
      if (answer.status === 201) vouchers.push({ code: answer.body.code, minSpend: answer.body.minSpend });
    });
    say(`rush over: ${vouchers.length} vouchers claimed (${claims.summary()})`);
    if (vouchers.length === 0 && claims.get('NOT_FOUND') > 0)
      say('note: POST /api/v1/claims answered 404: this server does not serve claims yet');

    // 3. Checkouts over the "following days" (compressed into the time left), with reversals.
    const checkoutsEnd = deadline - Math.min(15_000, SECONDS * 250);
    const shoppers = vouchers.filter(() => Math.random() < 0.75);
    const gap = Math.max(0, (checkoutsEnd - Date.now()) / Math.max(1, shoppers.length / CONCURRENCY) - 50);
    await pool(shoppers, checkoutsEnd, async (voucher) => {
      await sleep(gap * (0.5 + Math.random())); // spread over the window, as shoppers come and go
      const merchant = merchants[Math.floor(Math.random() * Math.random() * merchants.length)];
      const amount = orderAmount(voucher.minSpend);
      await call('POST', '/api/v1/vouchers/verify', merchant.apiKey, { code: voucher.code, orderAmount: amount });
      const key = randomUUID();
      const body = { code: voucher.code, orderAmount: amount, orderRef: `POS-${key.slice(0, 8)}` };
      const answer = await call('POST', '/api/v1/redemptions', merchant.apiKey, body, { 'Idempotency-Key': key });
      redemptions.add(outcomeOf(answer));
      if (answer.status !== 201) return;
      redeemed.push({ id: answer.body.id, merchant: merchant.apiKey });
      if (Math.random() < 0.05)
        redemptions.add(
          `replayed:${outcomeOf(await call('POST', '/api/v1/redemptions', merchant.apiKey, body, { 'Idempotency-Key': key }))}`,
        );
      if (Math.random() < 0.06) {
        const reversal = await call(
          'POST',
          `/api/v1/redemptions/${answer.body.id}/reverse`,
          merchant.apiKey,
          { reason: '顾客退货 customer returned the goods' },
          { 'Idempotency-Key': randomUUID() },
        );
        reversals.add(outcomeOf(reversal));
      }
    });

    // 4. One settlement run over everything redeemed so far.
    const run = await call('POST', '/api/v1/settlements/runs', bureau, { cutoff: new Date().toISOString() });
    say(
      `settlement run requested: ${run.status} ${run.status === 202 ? `run ${run.body.id}, cutoff ${run.body.cutoff}` : JSON.stringify(run.body)}`,
    );
    if (run.status === 202) {
      let status = run.body.status as string;
      while (!['completed', 'failed'].includes(status) && Date.now() < deadline) {
        await sleep(500);
        const current = await call('GET', `/api/v1/settlements/runs/${run.body.id}`, bureau);
        status = current.body?.status ?? `HTTP ${current.status}`;
        if (['completed', 'failed'].includes(status)) {
          const totals = current.body.totals ?? {};
          say(
            `settlement run ${status}: ${totals.statements} statements, ${totals.redemptions} redemptions, net ${totals.net} fen${current.body.error ? ` (${current.body.error})` : ''}`,
          );
        }
      }
      if (!['completed', 'failed'].includes(status)) say(`settlement run still ${status} at the time limit`);
    }
  } finally {
    clearInterval(progress);
  }

  const stats = await call('GET', `/api/v1/stats/campaigns/${campaign.id}`, bureau);
  say(`done. claims: ${claims.summary()} | redemptions: ${redemptions.summary()} | reversals: ${reversals.summary()}`);
  if (stats.status === 200) {
    const s = stats.body;
    say(
      `campaign stats: claimed ${s.claimed}, redeemed ${s.redeemed}, subsidy ${s.subsidy} fen, sales driven ${s.salesDriven} fen, leverage ${s.leverage?.toFixed(2) ?? '—'}, settled ${s.settled} fen`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`simulate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
