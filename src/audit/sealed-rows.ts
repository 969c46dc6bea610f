import { createHash } from 'node:crypto';
import { canonicalJson } from './audit-chain';
import { MerkleRootBuilder } from './merkle';

/** Runs one SQL statement and gives back its rows: TypeORM's manager.query, or a pg client's, adapted. */
export type Sql = <T>(sql: string, params?: unknown[]) => Promise<T[]>;

type ColumnKind = 'text' | 'instant';

/**
 * What a daily seal covers of each table: the columns that never change once a row is written
 * (a voucher's status and a redemption's reversal do, legitimately), and the time that puts a
 * row in a day. Claims and redemptions are sealed by the day they were stored.
 */
export const SEALED_TABLES = {
  vouchers: {
    day: 'claimed_at',
    columns: {
      id: 'text',
      code: 'text',
      resident_id: 'text',
      campaign_id: 'text',
      round_id: 'text',
      denomination_id: 'text',
      theme: 'text',
      face_value: 'text',
      min_spend: 'text',
      valid_from: 'instant',
      valid_until: 'instant',
      claimed_at: 'instant',
    },
  },
  redemptions: {
    day: 'created_at',
    columns: {
      id: 'text',
      voucher_id: 'text',
      merchant_id: 'text',
      campaign_id: 'text',
      round_id: 'text',
      denomination_id: 'text',
      code: 'text',
      face_value: 'text',
      order_amount: 'text',
      discount: 'text',
      payable: 'text',
      order_ref: 'text',
      redeemed_at: 'instant',
      created_at: 'instant',
    },
  },
} as const satisfies Record<string, { day: string; columns: Record<string, ColumnKind> }>;

export type SealedTable = keyof typeof SEALED_TABLES;

/** What a seal says of one table's rows of the day. */
export interface SealedSet {
  count: number;
  /** RFC 6962 Merkle root (hex) over the rows' hashes in id order. */
  root: string;
}

const BATCH = 5000;

/**
 * Each column as text, instants in UTC to the microsecond (JavaScript's Date would drop the
 * last three digits, and with them an edit of a time by less than a millisecond).
 */
const selectList = (columns: Record<string, ColumnKind>): string =>
  Object.entries(columns)
    .map(([name, kind]) =>
      kind === 'instant' ? `to_char(${name} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ${name}` : `${name}::text AS ${name}`,
    )
    .join(', ');

/** A sealed row's hash: SHA-256 of its sealed columns as canonical JSON (every value text or null). */
export const sealedRowHash = (row: Record<string, string | null>): Buffer =>
  createHash('sha256').update(canonicalJson(row), 'utf8').digest();

/**
 * Count and Merkle root of a table's rows stored in [from, to), read through a cursor in
 * batches, so a day of a flash sale is never in memory at once. Must run inside a
 * transaction (a cursor lives in one); the caller's snapshot decides what is seen.
 */
export async function sealRows(sql: Sql, table: SealedTable, window: { from: Date; to: Date }): Promise<SealedSet> {
  const { day, columns } = SEALED_TABLES[table];
  const cursor = `sealed_${table}`;
  // The instants are ISO text of Date objects, never caller input: safe inline (DECLARE takes no parameters).
  await sql(
    `DECLARE ${cursor} NO SCROLL CURSOR FOR
       SELECT ${selectList(columns)} FROM ${table}
        WHERE ${day} >= '${window.from.toISOString()}'::timestamptz AND ${day} < '${window.to.toISOString()}'::timestamptz
        ORDER BY id`,
  );
  const tree = new MerkleRootBuilder();
  for (;;) {
    const rows = await sql<Record<string, string | null>>(`FETCH ${BATCH} FROM ${cursor}`);
    for (const row of rows) tree.push(sealedRowHash(row));
    if (rows.length < BATCH) break;
  }
  await sql(`CLOSE ${cursor}`);
  return { count: tree.size, root: tree.root().toString('hex') };
}

/** What a daily seal event's `after` holds. */
export interface DailySeal {
  day: string;
  timeZone: string;
  from: string;
  to: string;
  vouchers: SealedSet;
  redemptions: SealedSet;
}

/** The seal of a day's window, as stored in the event and as audit:verify recomputes it. */
export async function sealOf(sql: Sql, day: string, timeZone: string, window: { from: Date; to: Date }): Promise<DailySeal> {
  return {
    day,
    timeZone,
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    vouchers: await sealRows(sql, 'vouchers', window),
    redemptions: await sealRows(sql, 'redemptions', window),
  };
}
