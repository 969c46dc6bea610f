import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { UnitOfWork } from '../database/unit-of-work';

/** Between two folds the ledgers hold at most this much traffic as separate rows. */
const COMPACT_EVERY_MS = 2_000;

/** The aggregate ledgers and the columns that identify a key (the rest are summed). */
const LEDGERS: ReadonlyArray<{ table: string; keys: string[]; sums: string[] }> = [
  { table: 'stats_claims', keys: ['campaign_id', 'round_id', 'denomination_id', 'bucket'], sums: ['claimed', 'claimed_value'] },
  {
    table: 'stats_redemptions',
    keys: ['campaign_id', 'round_id', 'denomination_id', 'merchant_id'],
    sums: ['redeemed', 'subsidy', 'sales'],
  },
  { table: 'stats_redemption_buckets', keys: ['campaign_id', 'bucket'], sums: ['redeemed', 'subsidy', 'sales'] },
  { table: 'stats_statement_weights', keys: ['statement_id', 'campaign_id'], sums: ['weight'] },
];

/**
 * Folds the delta rows the triggers append (one per claim during a flash sale) into one row
 * per key, so reading the statistics stays a few thousand rows. Only keys holding more than
 * one row are rewritten. Each fold is one statement (DELETE … RETURNING feeding an INSERT):
 * readers see the ledger before or after it, with the same sums. Rows appended while it runs are not in its snapshot and stay for the next
 * fold. An advisory lock keeps API processes from folding the same ledger at once.
 */
@Injectable()
export class StatsCompactor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StatsCompactor.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly uow: UnitOfWork) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.compact().catch((error: unknown) => this.logger.warn(`statistics compaction skipped: ${(error as Error).message}`));
    }, COMPACT_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Folds every ledger; returns how many rows were removed in all. */
  async compact(): Promise<number> {
    let removed = 0;
    for (const { table, keys, sums } of LEDGERS) {
      removed += await this.uow.run(async (manager) => {
        const [{ locked }] = await manager.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [`juhui:${table}`]);
        if (!locked) return 0;
        const [{ before, after }] = await manager.query(`
          WITH gone AS (
            DELETE FROM ${table}
            WHERE (${keys.join(', ')}) IN (SELECT ${keys.join(', ')} FROM ${table} GROUP BY ${keys.join(', ')} HAVING count(*) > 1)
            RETURNING *
          ),
          kept AS (
            INSERT INTO ${table} (${keys.join(', ')}, ${sums.join(', ')})
            SELECT ${keys.join(', ')}, ${sums.map((s) => `sum(${s})`).join(', ')}
            FROM gone GROUP BY ${keys.join(', ')}
            HAVING ${sums.map((s) => `sum(${s}) <> 0`).join(' OR ')}
            RETURNING 1
          )
          SELECT (SELECT count(*) FROM gone) AS before, (SELECT count(*) FROM kept) AS after`);
        return Number(before) - Number(after);
      });
    }
    return removed;
  }
}
