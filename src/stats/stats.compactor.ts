import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { UnitOfWork } from '../database/unit-of-work';
import { RepeatingJob, STATS_JOBS, STATS_QUEUE, upsertRepeatingJobs } from '../queues/queues';

/**
 * A fold every 2 s: between two, the ledgers hold at most that much traffic as separate
 * rows. Not retried: the next period's fold is the retry.
 */
const STATS_SCHEDULES: readonly RepeatingJob[] = [
  { id: STATS_JOBS.compact, name: STATS_JOBS.compact, repeat: { every: 2_000 }, opts: { attempts: 1 } },
];

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
 * fold. It runs as a repeating job of the stats queue (one per period in a deployment); an
 * advisory lock still keeps a fold from overlapping one that outlived its job's lock.
 */
@Processor(STATS_QUEUE)
export class StatsCompactor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(STATS_QUEUE) private readonly queue: Queue,
    private readonly uow: UnitOfWork,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await upsertRepeatingJobs(this.queue, STATS_SCHEDULES);
  }

  async process(job: Job): Promise<{ removed: number }> {
    if (job.name !== STATS_JOBS.compact) throw new Error(`unknown stats job "${job.name}"`);
    return { removed: await this.compact() };
  }

  /** Folds every ledger; returns how many rows were removed in all. */
  async compact(): Promise<number> {
    let removed = 0;
    for (const { table, keys, sums } of LEDGERS) {
      removed += await this.uow.run(async (manager) => {
        const [{ locked }] = await manager.query<[{ locked: boolean }]>(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [
          `juhui:${table}`,
        ]);
        if (!locked) return 0;
        // count(*) is a bigint: a string from PostgreSQL.
        const [{ before, after }] = await manager.query<[{ before: string; after: string }]>(`
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
