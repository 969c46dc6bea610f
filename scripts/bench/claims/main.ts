import { benchShape, formatComparison, measureAgainstCeiling } from '../harness/measure';
import { BENCH_JWT_SECRET, openRound, startBenchStack, withDatabase } from '../harness/stack';

/**
 * `npm run bench:claims`: the flash-claim path against the framework ceiling, on loopback.
 * Starts its own PostgreSQL, Redis and API process (scripts/bench/harness), opens one round
 * of BENCH_QUANTITY vouchers, then from a separate load process with BENCH_CONNECTIONS
 * keep-alive connections, BENCH_PAIRS times in turn, BENCH_SECONDS each:
 *   1. GET /health/live: the bare framework, a request without a body;
 *   2. POST /health/live with the very requests of 3 (each a different resident's token and
 *      the same JSON body), the credential in a header the API does not read: the framework
 *      ceiling for this load, an endpoint of the same app that returns a constant;
 *   3. POST /api/v1/claims, every request a different resident, as in a real flash sale:
 *      the first ones are admitted and written, the rest are sold out.
 * Prints throughput, p50/p99 latency, API CPU per request, the oversold count and the ratios.
 */
const SHAPE = benchShape(5);
const QUANTITY = Number(process.env.BENCH_QUANTITY ?? 20_000);
const DENOMINATION = { faceValue: 1000, minSpend: 5000 };

async function main(): Promise<void> {
  // All load comes from one loopback address; the per-resident limit stays as configured.
  const stack = await startBenchStack('claims', { RATE_LIMITS: 'claims.ip=100000000/60' });
  try {
    const round = await openRound(stack, { ...DENOMINATION, quantity: QUANTITY });
    const residents = {
      kind: 'residents' as const,
      prefix: 'resident',
      jwtSecret: BENCH_JWT_SECRET,
      body: { denominationId: round.denominationId },
    };
    process.stdout.write(
      `measuring: ${SHAPE.connections} connections, ${SHAPE.turns} turns of ${SHAPE.seconds} s per phase, one round of ${QUANTITY} vouchers, node ${process.version}\n`,
    );
    const result = await measureAgainstCeiling({
      baseUrl: stack.api.baseUrl,
      apiPid: stack.api.pid,
      shape: SHAPE,
      warmUpSeconds: 3,
      name: 'claims',
      path: '/api/v1/claims',
      source: residents,
    });
    const claims = result.measured;

    const stored = await withDatabase(stack.databaseUrl, async (db) =>
      Number(
        (await db.query<{ n: string }>('SELECT count(*) AS n FROM vouchers WHERE denomination_id = $1', [round.denominationId])).rows[0].n,
      ),
    );
    // The warm-up claims from the same round: its vouchers are among those stored.
    const created = (claims.statuses['201'] ?? 0) + (claims.warmUpStatuses['201'] ?? 0);
    const oversold = Math.max(0, stored - QUANTITY);
    process.stdout.write(
      formatComparison(
        result,
        'claims',
        '≥ 50 %, p99 < 100 ms, 0 oversold',
        `claims answers ${JSON.stringify(claims.statuses)} (warm-up ${JSON.stringify(claims.warmUpStatuses)}); vouchers stored ${stored} of ${QUANTITY}; ` +
          `201s without a stored voucher ${Math.max(0, created - stored)}; oversold ${oversold}`,
      ),
    );
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
