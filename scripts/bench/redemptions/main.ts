import { randomInt, randomUUID } from 'node:crypto';
import { generateVoucherCode } from '../../../src/vouchers/voucher-code';
import { benchShape, formatComparison, measureAgainstCeiling, requestsFile } from '../harness/measure';
import { BenchStack, callApi, openRound, startBenchStack, withDatabase } from '../harness/stack';

/**
 * `npm run bench:redemptions`: checkout redemptions over distinct vouchers against the
 * framework ceiling, on loopback. Starts its own PostgreSQL, Redis and API process
 * (scripts/bench/harness), enrols BENCH_MERCHANTS merchants (API keys) and stores
 * BENCH_VOUCHERS claimed vouchers (redeemed in random order), then from a separate load process with BENCH_CONNECTIONS
 * keep-alive connections (checkout terminals; 100 as in the claims benchmark), BENCH_PAIRS times in turn, BENCH_SECONDS each:
 *   1. GET /health/live: the bare framework, a request without a body;
 *   2. POST /health/live with the very requests of 3, the credential in a header the API
 *      does not read: the framework ceiling for this load;
 *   3. POST /api/v1/redemptions, each a different voucher with its own Idempotency-Key.
 * Prints throughput, p50/p99 latency, API CPU per request, the ratio, and checks that every
 * 201 has its redemption row.
 */
const SHAPE = benchShape(4);
const MERCHANTS = Number(process.env.BENCH_MERCHANTS ?? 8);
const VOUCHERS = Number(process.env.BENCH_VOUCHERS ?? 150_000);
const DENOMINATION = { faceValue: 5000, minSpend: 20000 };

async function main(): Promise<void> {
  // Per-request access logs off; the rate limiter stays on (part of every redemption's
  // cost) with a limit the benchmark never reaches.
  const stack = await startBenchStack('redemptions', { RATE_LIMITS: 'redemptions.merchant=100000000/60' }, { redisAppendOnly: true });
  try {
    const apiKeys = await enrolMerchants(stack, MERCHANTS);
    const codes = await storeClaimedVouchers(stack, VOUCHERS);
    const redemptions = requestsFile(
      stack.dir,
      'redemptions',
      codes.map((code, i) => ({
        headers: { authorization: `Bearer ${apiKeys[i % apiKeys.length]}`, 'idempotency-key': randomUUID() },
        body: { code, orderAmount: 25_000 + (i % 1000) },
      })),
    );
    process.stdout.write(
      `measuring: ${MERCHANTS} merchants, ${VOUCHERS} claimed vouchers, ${SHAPE.connections} connections, ${SHAPE.turns} turns of ${SHAPE.seconds} s per phase, node ${process.version}\n`,
    );
    const commitsBefore = await committedTransactions(stack.databaseUrl);
    const result = await measureAgainstCeiling({
      baseUrl: stack.api.baseUrl,
      apiPid: stack.api.pid,
      shape: SHAPE,
      warmUpSeconds: 2,
      name: 'redemptions',
      path: '/api/v1/redemptions',
      source: redemptions,
    });
    const redeemed = result.measured;
    const commits = (await committedTransactions(stack.databaseUrl)) - commitsBefore;
    const stored = await redemptionRows(stack.databaseUrl);
    const created = (redeemed.statuses['201'] ?? 0) + (redeemed.warmUpStatuses['201'] ?? 0);
    process.stdout.write(
      formatComparison(
        result,
        'redemptions',
        '≥ 30 %',
        `redemption answers ${JSON.stringify(redeemed.statuses)}; 201s ${created} (with the warm-up), redemption rows stored ${stored}; ` +
          `${(commits / Math.max(1, created)).toFixed(2)} transactions committed per redemption (concurrent redemptions share one statement and commit)`,
      ),
    );
    if (created >= VOUCHERS)
      process.stdout.write(`note: all ${VOUCHERS} vouchers were redeemed before the time ran out; raise BENCH_VOUCHERS\n`);
  } finally {
    await stack.stop();
  }
}

async function enrolMerchants(stack: BenchStack, count: number): Promise<string[]> {
  const apiKeys: string[] = [];
  for (let i = 0; i < count; i++) {
    const merchant = await callApi<{ apiKey: string }>(
      stack.api.baseUrl,
      'POST',
      '/api/v1/merchants',
      {
        name: `Bench shop ${i}`,
        themes: ['catering'],
        settlementAccount: { bankName: 'Bench bank', accountName: `Bench shop ${i}`, accountNumber: '6222020000000000000' },
      },
      stack.bureauToken,
    );
    apiKeys.push(merchant.apiKey);
  }
  return apiKeys;
}

/**
 * Claimed vouchers of one open round, written straight into the database in claim order
 * (claiming is another benchmark), and returned in random order: residents redeem days
 * after a flash sale in no relation to the order they claimed in, so consecutive
 * redemptions touch unrelated vouchers rather than neighbours on one page.
 */
async function storeClaimedVouchers(stack: BenchStack, count: number): Promise<string[]> {
  const round = await openRound(stack, { ...DENOMINATION, quantity: count });
  const codes = Array.from({ length: count }, generateVoucherCode);
  await withDatabase(stack.databaseUrl, async (db) => {
    for (let start = 0; start < codes.length; start += 10_000) {
      await db.query(
        `INSERT INTO vouchers (code, resident_id, campaign_id, round_id, denomination_id, theme, face_value, min_spend, valid_from, valid_until)
         SELECT code, 'bench-resident-' || code, d.campaign_id, d.round_id, d.id, 'catering', d.face_value, d.min_spend, r.voucher_valid_from, r.voucher_valid_until
           FROM unnest($1::text[]) AS code, denominations d JOIN rounds r ON r.id = d.round_id
          WHERE d.id = $2`,
        [codes.slice(start, start + 10_000), round.denominationId],
      );
    }
    await db.query('ANALYZE vouchers');
  });
  return shuffled(codes);
}

/** A copy in uniformly random order (Fisher–Yates). */
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** The database's committed transactions so far (pg_stat_database, read fresh). */
function committedTransactions(databaseUrl: string): Promise<number> {
  return withDatabase(databaseUrl, async (db) => {
    const { rows } = await db.query<{ n: string }>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()');
    return Number(rows[0].n);
  });
}

function redemptionRows(databaseUrl: string): Promise<number> {
  return withDatabase(databaseUrl, async (db) =>
    Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM redemptions')).rows[0].n),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
