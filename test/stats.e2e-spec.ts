import { Queue } from 'bullmq';
import { StatsCompactor } from '../src/stats/stats.compactor';
import { fenToYuan } from '../src/common/money';
import { bullConnection, SETTLEMENT_QUEUE } from '../src/queues/queues';
import {
  bureauToken,
  insertRedemption,
  insertSettlementRun,
  insertVouchers,
  makeCampaign,
  makeMerchant,
  makeRound,
  markStatementPaid,
  merchantToken,
  residentToken,
  reverseRedemption,
  waitForRun,
} from './support/factories';
import { ApiClient } from './support/http';
import { measureGrowth } from './support/metrics';
import { bootTestApp, TestApp } from './support/test-app';

const DAY = 24 * 3600_000;
const TZ = 'Asia/Shanghai';

/** A seeded pseudo-random generator, so a failing run can be replayed with its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const num = (value: unknown): number => Number(value ?? 0);

/**
 * The figures computed independently, with plain SQL over the raw tables (no aggregate
 * ledger), and the settled/paid attribution redone in BigInt arithmetic.
 */
async function expectedFigures(app: TestApp) {
  const { db } = app;
  const campaigns = await db.query(`SELECT id, budget, allocated FROM campaigns ORDER BY created_at, id`);
  // Stock given back by cancelled and closed rounds as recorded (the test checks the record against the vouchers when it closes one).
  const denominations = await db.query(`
    SELECT d.id, d.round_id, d.campaign_id, d.face_value, d.min_spend, d.quantity, d.returned_quantity,
      (SELECT count(*) FROM vouchers v WHERE v.denomination_id = d.id) AS claimed,
      (SELECT coalesce(sum(face_value), 0) FROM vouchers v WHERE v.denomination_id = d.id) AS claimed_value,
      (SELECT count(*) FROM redemptions r WHERE r.denomination_id = d.id AND r.status = 'active') AS redeemed,
      (SELECT coalesce(sum(face_value), 0) FROM redemptions r WHERE r.denomination_id = d.id AND r.status = 'active') AS subsidy,
      (SELECT coalesce(sum(order_amount), 0) FROM redemptions r WHERE r.denomination_id = d.id AND r.status = 'active') AS sales
    FROM denominations d`);
  const days = await db.query(`
    SELECT campaign_id, day, sum(claimed) AS claimed, sum(claimed_value) AS claimed_value, sum(redeemed) AS redeemed, sum(subsidy) AS subsidy, sum(sales) AS sales
    FROM (
      SELECT campaign_id, to_char(claimed_at AT TIME ZONE '${TZ}', 'YYYY-MM-DD') AS day, 1 AS claimed, face_value AS claimed_value, 0 AS redeemed, 0 AS subsidy, 0 AS sales FROM vouchers
      UNION ALL
      SELECT campaign_id, to_char(redeemed_at AT TIME ZONE '${TZ}', 'YYYY-MM-DD'), 0, 0, 1, face_value, order_amount FROM redemptions WHERE status = 'active'
    ) x GROUP BY campaign_id, day ORDER BY day`);
  const merchants = await db.query(`
    SELECT r.campaign_id, r.merchant_id, m.name, count(*) AS redeemed, sum(r.face_value) AS subsidy, sum(r.order_amount) AS sales
    FROM redemptions r JOIN merchants m ON m.id = r.merchant_id WHERE r.status = 'active' GROUP BY 1, 2, 3`);
  const statements = await db.query<{ id: string; net: string; status: string }>(`SELECT id, net, status FROM settlement_statements`);
  const weights = await db.query<{ statement_id: string; campaign_id: string; weight: string }>(`
    SELECT settlement_statement_id AS statement_id, campaign_id, sum(face_value) AS weight
    FROM redemptions WHERE settlement_statement_id IS NOT NULL AND reversal_statement_id IS DISTINCT FROM settlement_statement_id GROUP BY 1, 2`);

  // Largest remainder, per statement, in exact integers.
  const settled = new Map<string, { settled: bigint; paid: bigint }>();
  for (const statement of statements) {
    const parts = weights.filter((w) => w.statement_id === statement.id && BigInt(w.weight) > 0n);
    const total = parts.reduce((sum, w) => sum + BigInt(w.weight), 0n);
    if (total === 0n) continue;
    const net = BigInt(statement.net);
    const shares = parts.map((w) => ({
      campaign: w.campaign_id,
      base: (net * BigInt(w.weight)) / total,
      rest: (net * BigInt(w.weight)) % total,
    }));
    let leftover = net - shares.reduce((sum, s) => sum + s.base, 0n);
    shares.sort((a, b) => (a.rest === b.rest ? (a.campaign < b.campaign ? -1 : 1) : a.rest > b.rest ? -1 : 1));
    for (const share of shares) {
      const amount = share.base + (leftover > 0n ? 1n : 0n);
      if (leftover > 0n) leftover -= 1n;
      const entry = settled.get(share.campaign) ?? { settled: 0n, paid: 0n };
      entry.settled += amount;
      if (statement.status === 'paid') entry.paid += amount;
      settled.set(share.campaign, entry);
    }
  }

  const sumOf = (rows: Record<string, unknown>[]) => {
    const claimed = rows.reduce((s, r) => s + num(r.claimed), 0);
    const redeemed = rows.reduce((s, r) => s + num(r.redeemed), 0);
    const subsidy = rows.reduce((s, r) => s + num(r.subsidy), 0);
    const salesDriven = rows.reduce((s, r) => s + num(r.sales), 0);
    const quantity = rows.reduce((s, r) => s + num(r.quantity), 0);
    const returnedQuantity = rows.reduce((s, r) => s + num(r.returned_quantity), 0);
    return {
      allocated: rows.reduce((s, r) => s + num(r.face_value) * (num(r.quantity) - num(r.returned_quantity)), 0),
      quantity,
      returnedQuantity,
      returned: rows.reduce((s, r) => s + num(r.face_value) * num(r.returned_quantity), 0),
      claimed,
      claimedValue: rows.reduce((s, r) => s + num(r.claimed_value), 0),
      redeemed,
      subsidy,
      salesDriven,
      leverage: subsidy === 0 ? null : salesDriven / subsidy,
      redemptionRate: claimed === 0 ? null : redeemed / claimed,
      remaining: quantity - returnedQuantity - claimed,
    };
  };

  const perCampaign = campaigns.map((campaign) => {
    const mine = denominations.filter((d) => d.campaign_id === campaign.id);
    const rounds = [...new Set(mine.map((d) => d.round_id as string))];
    const share = settled.get(campaign.id as string) ?? { settled: 0n, paid: 0n };
    const dayRows = days.filter((d) => d.campaign_id === campaign.id);
    return {
      id: campaign.id as string,
      budget: num(campaign.budget),
      /** What the campaign row holds, to be equal to the allocation computed from the rounds. */
      storedAllocated: num(campaign.allocated),
      ...sumOf(mine),
      settled: Number(share.settled),
      paid: Number(share.paid),
      byRound: Object.fromEntries(rounds.map((round) => [round, sumOf(mine.filter((d) => d.round_id === round))])),
      byDenomination: Object.fromEntries(mine.map((d) => [d.id, sumOf([d])])),
      byDay: dayRows.map((d) => ({
        date: d.day,
        claimed: num(d.claimed),
        claimedValue: num(d.claimed_value),
        redeemed: num(d.redeemed),
        subsidy: num(d.subsidy),
        salesDriven: num(d.sales),
      })),
      topMerchants: merchants
        .filter((m) => m.campaign_id === campaign.id)
        .map((m) => ({
          merchantId: m.merchant_id as string,
          name: m.name as string,
          redeemed: num(m.redeemed),
          subsidy: num(m.subsidy),
          salesDriven: num(m.sales),
        }))
        .sort((a, b) => b.subsidy - a.subsidy || b.salesDriven - a.salesDriven || (a.merchantId < b.merchantId ? -1 : 1))
        .slice(0, 10),
    };
  });
  const [totals] = await db.query(
    `SELECT coalesce(sum(net), 0) AS settled, coalesce(sum(net) FILTER (WHERE status = 'paid'), 0) AS paid FROM settlement_statements`,
  );
  return {
    perCampaign,
    total: {
      budget: perCampaign.reduce((s, c) => s + c.budget, 0),
      ...sumOf(denominations),
      settled: num(totals.settled),
      paid: num(totals.paid),
    },
  };
}

const HEADLINE = [
  'budget',
  'allocated',
  'quantity',
  'returnedQuantity',
  'returned',
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
] as const;
const pick = (source: object, keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, (source as Record<string, unknown>)[k]]));
const FIGURES = HEADLINE.filter((k) => !['budget', 'settled', 'paid'].includes(k));

describe('Bureau statistics', () => {
  let app: TestApp;
  let api: ApiClient;
  let bureau: string;
  const rand = random(Number(process.env.STATS_TEST_SEED ?? 20261126));
  const campaignIds: string[] = [];
  const denominationIds: string[] = [];
  const merchantIds: string[] = [];
  const standing: string[] = [];

  beforeAll(async () => {
    app = await bootTestApp();
    api = new ApiClient(app.baseUrl);
    bureau = await bureauToken(api);
    for (const theme of ['catering', 'appliances', 'farm-goods'] as const) {
      const campaign = await makeCampaign(api, bureau, { theme, name: `${theme} 活动, "stats"` });
      campaignIds.push(campaign.id);
      for (let r = 0; r < 2; r++) {
        const round = await makeRound(api, bureau, campaign.id, {
          denominations: [
            { faceValue: 5000, minSpend: 20000, quantity: 300 },
            { faceValue: 1000 + 37 * r, minSpend: 5000, quantity: 200 },
          ],
        });
        denominationIds.push(...round.denominations.map((d: { id: string }) => d.id));
      }
    }
    for (let m = 0; m < 12; m++) {
      const { merchant } = await makeMerchant(api, bureau, { themes: ['catering', 'appliances', 'farm-goods'], name: `商户 ${m}` });
      merchantIds.push(merchant.id);
    }
  });

  afterAll(async () => {
    await app?.close();
  });

  /** Random claims, redemptions and reversals over the last ten days, stored straight into the database. */
  async function randomTraffic(vouchersPerDenomination: number): Promise<void> {
    const now = Date.now();
    for (const denominationId of denominationIds) {
      const count = 1 + Math.floor(rand() * vouchersPerDenomination);
      const claimedAt = Array.from({ length: count }, () => new Date(now - 10 * DAY + Math.floor(rand() * 5 * DAY)));
      const vouchers = await insertVouchers(app.db, denominationId, claimedAt);
      for (const [i, voucherId] of vouchers.entries()) {
        if (rand() < 0.55) {
          const merchant = merchantIds[Math.floor(rand() * rand() * merchantIds.length)];
          const orderAmount = 20000 + Math.floor(rand() * 150000);
          standing.push(
            await insertRedemption(
              app.db,
              voucherId,
              merchant,
              orderAmount,
              new Date(claimedAt[i].getTime() + Math.floor(rand() * 4 * DAY)),
            ),
          );
        }
      }
    }
    const reversals = Math.floor(standing.length * 0.15);
    for (let i = 0; i < reversals; i++) {
      const [id] = standing.splice(Math.floor(rand() * standing.length), 1);
      await reverseRedemption(app.db, id);
    }
  }

  async function compareWithRawRows(): Promise<void> {
    const expected = await expectedFigures(app);
    const overview = await api.get('/api/v1/stats/overview', { token: bureau });
    expect(overview.status).toBe(200);
    expect(pick(overview.body.total, HEADLINE)).toEqual(pick(expected.total, HEADLINE));
    expect(overview.body.campaigns.map((c: { id: string }) => c.id)).toEqual(expected.perCampaign.map((c) => c.id));
    // The campaigns' shares of settlement add up to the statements exactly.
    expect(overview.body.campaigns.reduce((s: number, c: { settled: number }) => s + c.settled, 0)).toBe(expected.total.settled);
    expect(overview.body.campaigns.reduce((s: number, c: { paid: number }) => s + c.paid, 0)).toBe(expected.total.paid);

    for (const want of expected.perCampaign) {
      expect({ id: want.id, allocated: want.storedAllocated }).toEqual({ id: want.id, allocated: want.allocated });
      expect(
        pick(
          overview.body.campaigns.find((c: { id: string }) => c.id === want.id),
          HEADLINE,
        ),
      ).toEqual(pick(want, HEADLINE));
      const stats = await api.get(`/api/v1/stats/campaigns/${want.id}`, { token: bureau });
      expect(stats.status).toBe(200);
      expect(pick(stats.body, HEADLINE)).toEqual(pick(want, HEADLINE));
      expect(Object.fromEntries(stats.body.byRound.map((r: Record<string, unknown>) => [r.roundId, pick(r, FIGURES)]))).toEqual(
        Object.fromEntries(Object.entries(want.byRound).map(([id, f]) => [id, pick(f, FIGURES)])),
      );
      expect(
        Object.fromEntries(stats.body.byDenomination.map((d: Record<string, unknown>) => [d.denominationId, pick(d, FIGURES)])),
      ).toEqual(Object.fromEntries(Object.entries(want.byDenomination).map(([id, f]) => [id, pick(f as object, FIGURES)])));
      expect(stats.body.byDay).toEqual(want.byDay);
      expect(stats.body.topMerchants).toEqual(want.topMerchants);
    }
  }

  it('agree exactly with the stored rows after random traffic, reversals, settlements and compaction', async () => {
    await compareWithRawRows(); // nothing claimed yet: null ratios, full stock

    // A merchant whose settled redemptions are all reversed: its next statement deducts more
    // than its gross and carries the rest over (deterministic, whatever the seed).
    const { merchant: carrier } = await makeMerchant(api, bureau, { themes: ['catering', 'appliances', 'farm-goods'], name: 'carry-over' });
    const carried = await insertVouchers(
      app.db,
      denominationIds[0],
      Array.from({ length: 4 }, () => new Date(Date.now() - 3 * DAY)),
    );
    const settledThenReversed = [];
    for (const voucher of carried.slice(0, 3))
      settledThenReversed.push(await insertRedemption(app.db, voucher, carrier.id, 25000, new Date(Date.now() - 2 * DAY)));

    await randomTraffic(60);
    await insertSettlementRun(app.db, new Date(), merchantIds.slice(0, 4));
    await compareWithRawRows();

    // A round closed with stock left, and one cancelled before it opened, give their stock back.
    const [closing] = await app.db.query<{ round_id: string }>(`SELECT round_id FROM denominations WHERE id = $1`, [denominationIds[6]]);
    expect((await api.post(`/api/v1/rounds/${closing.round_id}/close`, undefined, { token: bureau })).status).toBe(200);
    const closedDenominations = await app.db.query<{ id: string }>(`SELECT id FROM denominations WHERE round_id = $1`, [closing.round_id]);
    for (const { id } of closedDenominations) denominationIds.splice(denominationIds.indexOf(id), 1);
    const inAnHour = new Date(Date.now() + DAY / 24).toISOString();
    const upcoming = await makeRound(api, bureau, campaignIds[1], { claimOpensAt: inAnHour, voucherValidFrom: inAnHour });
    expect((await api.post(`/api/v1/rounds/${upcoming.id}/cancel`, undefined, { token: bureau })).status).toBe(200);
    // All of a cancelled round's stock goes back, and of a closed one's exactly what no voucher was stored for.
    const misrecorded = await app.db.query(
      `SELECT d.id, d.quantity, d.returned_quantity, r.status FROM denominations d JOIN rounds r ON r.id = d.round_id
        WHERE d.returned_quantity <> CASE r.status WHEN 'cancelled' THEN d.quantity
                                                   WHEN 'closed' THEN d.quantity - (SELECT count(*) FROM vouchers v WHERE v.denomination_id = d.id)
                                                   ELSE 0 END`,
    );
    expect(misrecorded).toEqual([]);
    expect(num((await app.db.query(`SELECT count(*) AS n FROM denominations WHERE returned_quantity > 0`))[0].n)).toBe(3);
    await compareWithRawRows();

    for (const id of settledThenReversed) await reverseRedemption(app.db, id);
    await insertRedemption(app.db, carried[3], carrier.id, 30000, new Date(Date.now() - DAY));

    // Reversals of settled redemptions are deducted next time, with carry-over when they exceed the gross.
    for (let i = 0; i < 25; i++) {
      const [id] = standing.splice(Math.floor(rand() * standing.length), 1);
      await reverseRedemption(app.db, id);
    }
    await randomTraffic(20);
    await insertSettlementRun(app.db, new Date(Date.now() - 2 * DAY));
    await insertSettlementRun(app.db, new Date(), merchantIds.slice(2, 8));
    const [pending] = await app.db.query<{ id: string }>(
      `SELECT id FROM settlement_statements WHERE status = 'pending' AND net > 0 LIMIT 1`,
    );
    await markStatementPaid(app.db, pending.id);
    const [{ statements, carriedOver }] = await app.db.query(
      `SELECT count(*) AS statements, count(*) FILTER (WHERE carried_forward > 0) AS "carriedOver" FROM settlement_statements`,
    );
    expect(num(statements)).toBeGreaterThan(12);
    expect(num(carriedOver)).toBeGreaterThan(0);
    await compareWithRawRows();

    // The app also folds every few seconds on its own (possibly during the comparisons above,
    // which must not change a figure); after an explicit fold every key has one row.
    await app.app.get(StatsCompactor).compact();
    for (const [table, keys] of [
      ['stats_claims', 'campaign_id, round_id, denomination_id, bucket'],
      ['stats_redemptions', 'campaign_id, round_id, denomination_id, merchant_id'],
      ['stats_redemption_buckets', 'campaign_id, bucket'],
      ['stats_statement_weights', 'statement_id, campaign_id'],
    ]) {
      expect(await app.db.query(`SELECT ${keys} FROM ${table} GROUP BY ${keys} HAVING count(*) > 1`)).toEqual([]);
    }
    await compareWithRawRows();
    // A run of the real settlement engine (through the API) is attributed the same way.
    for (let i = 0; i < 10; i++) {
      const [id] = standing.splice(Math.floor(rand() * standing.length), 1);
      await reverseRedemption(app.db, id);
    }
    await randomTraffic(5);
    const run = await api.post('/api/v1/settlements/runs', { cutoff: new Date().toISOString() }, { token: bureau });
    expect(run.status).toBe(202);
    expect((await waitForRun(api, bureau, run.body.id)).status).toBe('completed');
    expect(
      num((await app.db.query(`SELECT count(*) AS n FROM settlement_statements WHERE run_id = $1`, [run.body.id]))[0].n),
    ).toBeGreaterThan(0);
    await compareWithRawRows();

    // Emptying the tables (as a reset would) empties the figures.
    await app.db.query('TRUNCATE redemptions, vouchers, settlement_statements, settlement_runs');
    await compareWithRawRows();
  });

  it('counts a day in the campaign time zone, not UTC', async () => {
    const campaign = await makeCampaign(api, bureau, { name: 'time zone' });
    const round = await makeRound(api, bureau, campaign.id, { denominations: [{ faceValue: 1000, minSpend: 1000, quantity: 10 }] });
    const denominationId = round.denominations[0].id;
    // 07:30 in Beijing on 11 March is 23:30 UTC on 10 March.
    const [early] = await insertVouchers(app.db, denominationId, [new Date('2026-03-11T07:30:00+08:00')]);
    const [late, afterMidnight] = await insertVouchers(app.db, denominationId, [
      new Date('2026-03-10T12:00:00+08:00'),
      new Date('2026-03-10T12:00:00+08:00'),
    ]);
    await insertRedemption(app.db, late, merchantIds[0], 1500, new Date('2026-03-10T23:30:00+08:00'));
    await insertRedemption(app.db, afterMidnight, merchantIds[0], 2500, new Date('2026-03-11T00:15:00+08:00')); // 16:15 UTC on 10 March
    await insertRedemption(app.db, early, merchantIds[1], 4000, new Date('2026-03-11T07:45:00+08:00'));

    const stats = await api.get(`/api/v1/stats/campaigns/${campaign.id}`, { token: bureau });
    expect(stats.body.byDay).toEqual([
      { date: '2026-03-10', claimed: 2, claimedValue: 2000, redeemed: 1, subsidy: 1000, salesDriven: 1500 },
      { date: '2026-03-11', claimed: 1, claimedValue: 1000, redeemed: 2, subsidy: 2000, salesDriven: 6500 },
    ]);
    expect(stats.body.timeZone).toBe(TZ);
  });

  it('exports the campaign as RFC 4180 CSV in UTF-8 with money in yuan', async () => {
    const id = campaignIds[0];
    const stats = (await api.get(`/api/v1/stats/campaigns/${id}`, { token: bureau })).body;
    const response = await api.get(`/api/v1/stats/campaigns/${id}/export.csv`, { token: bureau });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(response.headers.get('content-disposition')).toContain(`campaign-${id}-stats.csv`);
    // fetch's text() drops a byte-order mark: look at the bytes.
    const bytes = Buffer.from(
      await (
        await fetch(`${app.baseUrl}/api/v1/stats/campaigns/${id}/export.csv`, { headers: { authorization: `Bearer ${bureau}` } })
      ).arrayBuffer(),
    );
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/); // every line break is CRLF
    const lines = text.slice(1).split('\r\n').slice(0, -1);
    const header = lines[0].split(',');
    expect(header.slice(0, 3)).toEqual(['section', 'id', 'name']);
    const campaignLine = lines[1];
    // The name holds a comma and quotes: quoted, quotes doubled; Chinese intact.
    expect(campaignLine).toContain(`"catering 活动, ""stats"""`);
    const fields = campaignLine.replace(`"catering 活动, ""stats"""`, 'NAME').split(',');
    const row = Object.fromEntries(header.map((column, i) => [column, fields[i]]));
    expect(row).toMatchObject({
      section: 'campaign',
      id,
      budget_yuan: fenToYuan(stats.budget),
      allocated_yuan: fenToYuan(stats.allocated),
      claimed: String(stats.claimed),
      claimed_value_yuan: fenToYuan(stats.claimedValue),
      redeemed: String(stats.redeemed),
      subsidy_yuan: fenToYuan(stats.subsidy),
      sales_driven_yuan: fenToYuan(stats.salesDriven),
      settled_yuan: fenToYuan(stats.settled),
      paid_yuan: fenToYuan(stats.paid),
      remaining: String(stats.remaining),
    });
    expect(row.subsidy_yuan).toMatch(/^\d+\.\d{2}$/);
    expect(lines.filter((l) => l.startsWith('round,'))).toHaveLength(stats.byRound.length);
    expect(lines.filter((l) => l.startsWith('denomination,'))).toHaveLength(stats.byDenomination.length);
    expect(lines.filter((l) => l.startsWith('day,'))).toHaveLength(stats.byDay.length);
    expect(lines.filter((l) => l.startsWith('merchant,'))).toHaveLength(stats.topMerchants.length);
    for (const line of lines) expect(line.replace(/"([^"]|"")*"/g, 'Q').split(',')).toHaveLength(header.length);
  });

  it('is for bureau staff only: no token 401, resident and merchant 403, bad ids 400, unknown 404', async () => {
    const id = campaignIds[0];
    const paths = ['/api/v1/stats/overview', `/api/v1/stats/campaigns/${id}`, `/api/v1/stats/campaigns/${id}/export.csv`];
    for (const path of paths) {
      const anonymous = await api.get(path);
      expect([anonymous.status, anonymous.body.code]).toEqual([401, 'UNAUTHENTICATED']);
      for (const token of [residentToken('r-1'), merchantToken(merchantIds[0])]) {
        const refused = await api.get(path, { token });
        expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN']);
      }
    }
    const bad = await api.get('/api/v1/stats/campaigns/not-a-uuid', { token: bureau });
    expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    for (const path of [
      '/api/v1/stats/campaigns/00000000-0000-4000-8000-000000000000',
      '/api/v1/stats/campaigns/00000000-0000-4000-8000-000000000000/export.csv',
    ]) {
      const missing = await api.get(path, { token: bureau });
      expect([missing.status, missing.body.code]).toEqual([404, 'NOT_FOUND']);
    }
  });

  it('exposes route latency, outcome counters and the settlement queue depth at /metrics', async () => {
    const queue = new Queue(SETTLEMENT_QUEUE, { connection: bullConnection(app.redisUrl) });
    const campaignAnswered = 'juhui_http_request_duration_seconds_count{method="GET",route="/api/v1/stats/campaigns/:id",status="200"}';
    const delayedJobs = 'juhui_settlement_queue_jobs{state="delayed"}';
    try {
      // The settlement module's schedules keep delayed jobs of their own: count on top of them.
      const growth = await measureGrowth(api, [campaignAnswered, delayedJobs]);
      await queue.add('metrics-probe', {}, { jobId: 'metrics-probe', delay: 3600_000 });
      expect((await api.get(`/api/v1/stats/campaigns/${campaignIds[0]}`, { token: bureau })).status).toBe(200);
      expect(await growth()).toEqual({ [campaignAnswered]: 1, [delayedJobs]: 1 });
      const metrics = await api.get('/metrics');
      expect(metrics.text).not.toContain(`route="/api/v1/stats/campaigns/${campaignIds[0]}"`);
      for (const name of ['juhui_claims_total', 'juhui_redemptions_total', 'juhui_settlement_jobs_total']) {
        expect(metrics.text).toContain(`# TYPE ${name} counter`);
      }
      expect(metrics.text).toMatch(/^juhui_settlement_queue_jobs\{state="waiting"\} 0$/m);
    } finally {
      await queue.remove('metrics-probe');
      await queue.close();
    }
  });
});

describe('Bureau statistics in a time zone off the hour', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await bootTestApp({ CAMPAIGN_TIMEZONE: 'Asia/Kathmandu' }); // UTC+05:45
  });

  afterAll(async () => {
    await app?.close();
  });

  it('puts the day boundary at midnight there, to the quarter hour', async () => {
    const api = new ApiClient(app.baseUrl);
    const bureau = await bureauToken(api);
    const campaign = await makeCampaign(api, bureau);
    const round = await makeRound(api, bureau, campaign.id, { denominations: [{ faceValue: 1000, minSpend: 1000, quantity: 10 }] });
    // 23:50 and 00:05 in Kathmandu: 18:05 and 18:20 UTC on the same UTC day.
    await insertVouchers(app.db, round.denominations[0].id, [new Date('2026-03-10T23:50:00+05:45'), new Date('2026-03-11T00:05:00+05:45')]);
    const stats = await api.get(`/api/v1/stats/campaigns/${campaign.id}`, { token: bureau });
    expect(stats.body.byDay.map((d: { date: string; claimed: number }) => [d.date, d.claimed])).toEqual([
      ['2026-03-10', 1],
      ['2026-03-11', 1],
    ]);
  });
});
