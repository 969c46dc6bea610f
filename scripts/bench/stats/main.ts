import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { createApp } from '../../../src/app.factory';
import { loadAppConfig } from '../../../src/config/app-config';
import { runMigrations } from '../../../src/database/migrate';
import { startDevServers } from '../../dev/dev-servers';
import { StatsCompactor } from '../../../src/stats/stats.compactor';
import { BENCH_AUDIT_SIGNING_KEY } from '../harness/stack';

/**
 * `npm run bench:stats`: campaign statistics at scale. Starts its own embedded PostgreSQL
 * and Redis in a temporary folder, generates the data straight into the database with
 * generate_series (one campaign holding every voucher, the worst case for a campaign's
 * stats, plus four small ones), then times GET /api/v1/stats/campaigns/:id and
 * /stats/overview over loopback against a same-run baseline (GET /health/live).
 *   --vouchers 1000000 --redemptions 500000 --requests 300
 */
const { values } = parseArgs({
  options: {
    vouchers: { type: 'string', default: '1000000' },
    redemptions: { type: 'string', default: '500000' },
    requests: { type: 'string', default: '300' },
    keep: { type: 'boolean', default: false },
  },
});
const VOUCHERS = Number(values.vouchers);
const REDEMPTIONS = Number(values.redemptions);
const REQUESTS = Number(values.requests);
const ROUNDS = 8;
const DENOMINATIONS_PER_ROUND = 3;
const MERCHANTS = 30;
const PASSWORD = 'bench-password-0123';

const log = (message: string): void => void process.stdout.write(`${message}\n`);

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await work();
  log(`  ${label}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return result;
}

async function generate(db: Client): Promise<string> {
  const [big] = (
    await db.query(`
      INSERT INTO campaigns (name, theme, budget, allocated, starts_at, ends_at, status, published_at)
      VALUES ('以旧换新家电消费券 (bench)', 'appliances', 100000000000, 0, now() - interval '60 days', now() + interval '300 days', 'active', now() - interval '60 days')
      RETURNING id`)
  ).rows;
  await db.query(`
    INSERT INTO campaigns (name, theme, budget, allocated, starts_at, ends_at, status, published_at)
    SELECT 'Small campaign ' || t, t, 100000000, 0, now() - interval '60 days', now() + interval '300 days', 'active', now()
    FROM unnest(ARRAY['autos','catering','farm-goods','new-year-goods']) AS t`);
  // Rounds one week apart; denominations sized so the campaign's quantity covers the vouchers.
  const perDenomination = Math.ceil(VOUCHERS / (ROUNDS * DENOMINATIONS_PER_ROUND)) + 1000;
  await db.query(
    `INSERT INTO rounds (campaign_id, name, claim_opens_at, claim_closes_at, per_resident_limit, voucher_valid_from, voucher_valid_until)
     SELECT c.id, '第' || r || '期 Round ' || r, now() - interval '56 days' + (r - 1) * interval '7 days', now() - interval '56 days' + (r - 1) * interval '7 days' + interval '2 hours',
            1, now() - interval '56 days' + (r - 1) * interval '7 days', now() + interval '200 days'
     FROM campaigns c, generate_series(1, $1::int) r`,
    [ROUNDS],
  );
  await db.query(
    `INSERT INTO denominations (round_id, campaign_id, position, face_value, min_spend, quantity)
     SELECT r.id, r.campaign_id, p, (ARRAY[2000, 5000, 10000])[p], (ARRAY[10000, 20000, 50000])[p], CASE WHEN r.campaign_id = $1 THEN $2 ELSE 1000 END
     FROM rounds r, generate_series(1, 3) p`,
    [big.id, perDenomination],
  );
  await db.query(`
    UPDATE campaigns c SET allocated = a.total, budget = greatest(c.budget, a.total)
    FROM (SELECT campaign_id, sum(face_value * quantity) AS total FROM denominations GROUP BY campaign_id) a WHERE a.campaign_id = c.id`);
  await db.query(
    `INSERT INTO merchants (name, themes, bank_name, account_name, account_number)
     SELECT '商户 Merchant ' || m, ARRAY['autos','appliances','catering','farm-goods','new-year-goods'], '中国银行', '商户 ' || m, '62220212345678' || lpad(m::text, 5, '0')
     FROM generate_series(1, $1::int) m`,
    [MERCHANTS],
  );

  // Vouchers: spread over the denominations, claimed within two hours of each round's opening.
  await timed(`${VOUCHERS.toLocaleString('en-US')} vouchers`, () =>
    db.query(
      `WITH d AS (SELECT d.*, r.claim_opens_at, r.voucher_valid_from, r.voucher_valid_until, row_number() OVER (ORDER BY r.claim_opens_at, d.position) - 1 AS k
                  FROM denominations d JOIN rounds r ON r.id = d.round_id WHERE d.campaign_id = $1)
       INSERT INTO vouchers (code, resident_id, campaign_id, round_id, denomination_id, theme, face_value, min_spend, valid_from, valid_until, claimed_at)
       SELECT 'BENCH' || i, 'resident-' || i, d.campaign_id, d.round_id, d.id, 'appliances', d.face_value, d.min_spend, d.voucher_valid_from, d.voucher_valid_until,
              d.claim_opens_at + (i % 7200) * interval '1 second'
       FROM generate_series(0, $2::int - 1) i JOIN d ON d.k = i % $3`,
      [big.id, VOUCHERS, ROUNDS * DENOMINATIONS_PER_ROUND],
    ),
  );
  await db.query(
    `INSERT INTO vouchers (code, resident_id, campaign_id, round_id, denomination_id, theme, face_value, min_spend, valid_from, valid_until, claimed_at)
     SELECT 'S' || left(md5(d.id::text || i), 24), 'resident-' || i, d.campaign_id, d.round_id, d.id, c.theme, d.face_value, d.min_spend, r.voucher_valid_from, r.voucher_valid_until, r.claim_opens_at
     FROM denominations d JOIN rounds r ON r.id = d.round_id JOIN campaigns c ON c.id = d.campaign_id, generate_series(1, 200) i
     WHERE d.campaign_id <> $1`,
    [big.id],
  );

  // Redemptions: every other voucher of the big campaign, over the 20 days after its claim, at one of the merchants.
  await timed(`${REDEMPTIONS.toLocaleString('en-US')} redemptions`, () =>
    db.query(
      `WITH m AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM merchants),
            v AS (SELECT v.*, row_number() OVER () AS n FROM vouchers v WHERE v.campaign_id = $1 AND v.code LIKE 'BENCH%' LIMIT $2)
       INSERT INTO redemptions (voucher_id, merchant_id, campaign_id, round_id, denomination_id, code, face_value, order_amount, discount, payable, redeemed_at)
       SELECT v.id, m.id, v.campaign_id, v.round_id, v.denomination_id, v.code, v.face_value, v.min_spend + (v.n * 7919) % 200000, v.face_value,
              v.min_spend + (v.n * 7919) % 200000 - v.face_value, v.claimed_at + ((v.n * 104729) % (20 * 86400)) * interval '1 second'
       FROM v JOIN m ON m.k = v.n % $3`,
      [big.id, REDEMPTIONS, MERCHANTS],
    ),
  );
  await timed('5% reversed', () =>
    db.query(
      `UPDATE redemptions SET status = 'reversed', reversed_at = redeemed_at + interval '1 hour' WHERE (hashtext(id::text) % 20) = 0`,
    ),
  );

  // Settlement: a run per week; one statement per merchant with its redemptions of that week
  // (those reversed before settlement voided, as the engine does); the older ones paid.
  await timed('weekly settlement statements', async () => {
    await db.query(`
      INSERT INTO settlement_runs (cutoff, status, started_at, finished_at)
      SELECT date_trunc('week', now()) - w * interval '7 days', 'completed', now(), now() FROM generate_series(0, 8) w`);
    await db.query(`
      INSERT INTO settlement_statements (run_id, merchant_id, sequence, redemption_count, gross, deductions, net, status, bank_reference, paid_at, approved_at)
      SELECT run.id, r.merchant_id, row_number() OVER (PARTITION BY r.merchant_id ORDER BY run.cutoff),
             count(*) FILTER (WHERE r.status = 'active'), coalesce(sum(r.face_value) FILTER (WHERE r.status = 'active'), 0), 0,
             coalesce(sum(r.face_value) FILTER (WHERE r.status = 'active'), 0),
             CASE WHEN run.cutoff < now() - interval '14 days' THEN 'paid' ELSE 'pending' END,
             CASE WHEN run.cutoff < now() - interval '14 days' THEN 'BANK-' || left(run.id::text, 8) END,
             CASE WHEN run.cutoff < now() - interval '14 days' THEN run.cutoff END,
             CASE WHEN run.cutoff < now() - interval '14 days' THEN run.cutoff END
      FROM settlement_runs run JOIN redemptions r ON r.redeemed_at < run.cutoff AND r.redeemed_at >= run.cutoff - interval '7 days'
      GROUP BY run.id, run.cutoff, r.merchant_id`);
    await db.query(`
      UPDATE redemptions r SET settlement_statement_id = s.id, reversal_statement_id = CASE WHEN r.status = 'reversed' THEN s.id END
      FROM settlement_statements s JOIN settlement_runs run ON run.id = s.run_id
      WHERE s.merchant_id = r.merchant_id AND r.redeemed_at < run.cutoff AND r.redeemed_at >= run.cutoff - interval '7 days'`);
  });
  await timed('ANALYZE', () => db.query('ANALYZE'));
  return big.id as string;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function measure(url: string, token: string | undefined): Promise<{ p50: number; p95: number; max: number }> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  for (let i = 0; i < 20; i++) await (await fetch(url, { headers })).arrayBuffer(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const start = performance.now();
    const response = await fetch(url, { headers });
    await response.arrayBuffer();
    times.push(performance.now() - start);
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), max: times[times.length - 1] };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'juhui-bench-stats-'));
  const servers = await startDevServers({}, dataDir, () => undefined);
  const config = loadAppConfig({
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    DATABASE_URL: servers.databaseUrl,
    REDIS_URL: servers.redisUrl,
    AUTH_JWT_SECRET: 'bench-secret-0123456789abcdef0123456789abcdef',
    AUDIT_SIGNING_KEY: BENCH_AUDIT_SIGNING_KEY,
    BUREAU_ADMIN_PASSWORD: PASSWORD,
    LOG_LEVEL: 'warn',
    // The worker's modules run the statistics fold, as in a deployment (the app is asked for StatsCompactor below).
    RUN_WORKER: 'true',
  });
  const db = new Client({ connectionString: config.databaseUrl });
  try {
    await runMigrations(config.databaseUrl);
    await db.connect();
    log(
      `Generating data (${VOUCHERS.toLocaleString('en-US')} vouchers, ${REDEMPTIONS.toLocaleString('en-US')} redemptions in one campaign)...`,
    );
    const campaignId = await generate(db);
    const app = await createApp(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const address = app.getHttpServer().address();
      const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const login = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: PASSWORD }),
      });
      const { accessToken } = (await login.json()) as { accessToken: string };

      const counts = (
        await db.query(`SELECT (SELECT count(*) FROM vouchers) AS vouchers, (SELECT count(*) FROM redemptions) AS redemptions,
        (SELECT count(*) FROM redemptions WHERE status = 'reversed') AS reversed, (SELECT count(*) FROM settlement_statements) AS statements`)
      ).rows[0];
      const ledger = async () =>
        (
          await db.query(
            `SELECT (SELECT count(*) FROM stats_claims) + (SELECT count(*) FROM stats_redemptions) + (SELECT count(*) FROM stats_redemption_buckets) + (SELECT count(*) FROM stats_statement_weights) AS n`,
          )
        ).rows[0].n;
      log(
        `Stored: ${counts.vouchers} vouchers, ${counts.redemptions} redemptions (${counts.reversed} reversed), ${counts.statements} statements; aggregate ledger rows: ${await ledger()}`,
      );
      const stats = (await (
        await fetch(`${base}/api/v1/stats/campaigns/${campaignId}`, { headers: { authorization: `Bearer ${accessToken}` } })
      ).json()) as Record<string, number>;
      log(
        `Campaign figures: claimed ${stats.claimed}, redeemed ${stats.redeemed}, subsidy ${stats.subsidy} fen, settled ${stats.settled} fen, paid ${stats.paid} fen`,
      );

      log(`\nTiming ${REQUESTS} sequential requests each over loopback (after 20 warm-up requests):`);
      const report = (label: string, r: { p50: number; p95: number; max: number }, baseline?: { p50: number; p95: number }) =>
        log(
          `  ${label.padEnd(44)} p50 ${r.p50.toFixed(1).padStart(6)} ms   p95 ${r.p95.toFixed(1).padStart(6)} ms   max ${r.max.toFixed(1).padStart(6)} ms${baseline ? `   ratio to baseline p50 ${(r.p50 / baseline.p50).toFixed(1)}× p95 ${(r.p95 / baseline.p95).toFixed(1)}×` : ''}`,
        );
      const baseline = await measure(`${base}/health/live`, undefined);
      report('baseline GET /health/live', baseline);
      const before = await measure(`${base}/api/v1/stats/campaigns/${campaignId}`, accessToken);
      report('GET /api/v1/stats/campaigns/:id', before, baseline);
      const overview = await measure(`${base}/api/v1/stats/overview`, accessToken);
      report('GET /api/v1/stats/overview', overview, baseline);
      const removed = await app.get(StatsCompactor).compact();
      log(`  (compaction folded ${removed} ledger rows; ledger now ${await ledger()} rows)`);
      const after = await measure(`${base}/api/v1/stats/campaigns/${campaignId}`, accessToken);
      report('GET /api/v1/stats/campaigns/:id, compacted', after, baseline);

      // Between two folds (every 2 s) a flash sale stores claims one statement at a time, each
      // leaving its own ledger row: here 10 s of 5,000 claims a second (five intervals),
      // committed at once, then timed with the app's compactor held off.
      const burst = Math.round(VOUCHERS / 20);
      const compactor = app.get(StatsCompactor);
      const fold = compactor.compact.bind(compactor);
      compactor.compact = () => Promise.resolve(0); // hold the app's periodic fold off while timing the worst case
      await timed(
        `${burst.toLocaleString('en-US')} more claims and ${(burst / 2).toLocaleString('en-US')} redemptions, one statement each`,
        () =>
          db.query(`
          DO $$
          DECLARE d record; v uuid;
          BEGIN
            SELECT dn.*, r.voucher_valid_from, r.voucher_valid_until INTO d FROM denominations dn JOIN rounds r ON r.id = dn.round_id
            WHERE dn.campaign_id = '${campaignId}' ORDER BY r.claim_opens_at DESC, dn.position LIMIT 1;
            FOR i IN 1..${burst} LOOP
              INSERT INTO vouchers (code, resident_id, campaign_id, round_id, denomination_id, theme, face_value, min_spend, valid_from, valid_until, claimed_at)
              VALUES ('BURST' || i, 'burst-' || i, d.campaign_id, d.round_id, d.id, 'appliances', d.face_value, d.min_spend, d.voucher_valid_from, d.voucher_valid_until, now())
              RETURNING id INTO v;
              IF i % 2 = 0 THEN
                INSERT INTO redemptions (voucher_id, merchant_id, campaign_id, round_id, denomination_id, code, face_value, order_amount, discount, payable)
                SELECT v, (SELECT id FROM merchants ORDER BY id OFFSET i % ${MERCHANTS} LIMIT 1), d.campaign_id, d.round_id, d.id, 'BURST' || i, d.face_value, d.min_spend + i, d.face_value, d.min_spend + i - d.face_value;
              END IF;
            END LOOP;
          END $$`),
      );
      log(`  (ledger now ${await ledger()} rows, not compacted)`);
      const burstStats = await measure(`${base}/api/v1/stats/campaigns/${campaignId}`, accessToken);
      compactor.compact = fold;
      report('GET /api/v1/stats/campaigns/:id, after burst', burstStats, baseline);

      const worst = Math.max(before.p95, after.p95, burstStats.p95);
      log(`\nTarget: campaign stats p95 <= 200 ms: ${worst <= 200 ? 'met' : 'NOT met'} (worst p95 ${worst.toFixed(1)} ms)`);
    } finally {
      await app.close();
    }
  } finally {
    await db.end().catch(() => undefined);
    await servers.stop();
    if (!values.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:stats failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
