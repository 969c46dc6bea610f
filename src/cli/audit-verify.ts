import { Client } from 'pg';
import { AuditSigningKey } from '../audit/audit-signing-key';
import type { AuditActor } from '../audit/audit.types';
import {
  CHAIN_START,
  type ChainPosition,
  type ChainProblem,
  CheckpointWitness,
  checkpointSignatureProblem,
  headProblem,
  sealProblem,
  type StoredCheckpoint,
  type StoredEvent,
  walkChain,
} from '../audit/audit-verification';
import { DAILY_SEAL_ACTION } from '../audit/daily-seal.rules';
import { type DailySeal, sealOf, type Sql } from '../audit/sealed-rows';
import { ConfigError, loadAppConfig } from '../config/app-config';

const BATCH = 2000;

interface EventRow {
  id: string;
  seq: string;
  at: Date;
  actor_type: AuditActor['type'];
  actor_id: string;
  actor_name: string;
  action: string;
  subject_type: string;
  subject_id: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

const toStoredEvent = (row: EventRow): StoredEvent => ({
  id: row.id,
  seq: Number(row.seq),
  at: row.at.toISOString(),
  actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name },
  action: row.action,
  subject: { type: row.subject_type, id: row.subject_id },
  before: row.before,
  after: row.after,
  requestId: row.request_id,
  prevHash: row.prev_hash,
  hash: row.hash,
});

interface SealEvent {
  id: string;
  seal: DailySeal;
}

/**
 * Recomputes the audit chain from the database, in batches, and checks its head row. On the
 * way it feeds the verified hashes to the checkpoint witness and collects the daily seals.
 */
async function verifyChain(
  client: Client,
  witness: CheckpointWitness,
): Promise<{ events: number; seals: SealEvent[]; problem?: ChainProblem }> {
  let end: ChainPosition = CHAIN_START;
  const seals: SealEvent[] = [];
  for (;;) {
    // Ordered by the bigint column, not the text alias of the same name ('10' sorts before '2').
    const { rows } = await client.query<EventRow>(
      `SELECT id, seq::text AS seq, at, actor_type, actor_id, actor_name, action, subject_type, subject_id,
              before, after, request_id, prev_hash, hash
         FROM audit_events WHERE seq > $1 ORDER BY audit_events.seq LIMIT ${BATCH}`,
      [end.seq],
    );
    if (rows.length === 0) break;
    const walked = walkChain(rows.map(toStoredEvent), end);
    if (walked.problem) return { events: end.seq, seals, problem: walked.problem };
    for (const row of rows) {
      witness.add(row.hash);
      if (row.action === DAILY_SEAL_ACTION) seals.push({ id: row.id, seal: row.after as unknown as DailySeal });
    }
    end = walked.end;
  }
  const { rows } = await client.query<{ seq: string; hash: string }>(`SELECT seq::text AS seq, hash FROM audit_chain_head`);
  const head = rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : undefined;
  return { events: end.seq, seals, problem: headProblem(end, head) };
}

async function storedCheckpoints(client: Client): Promise<StoredCheckpoint[]> {
  const { rows } = await client.query<{ size: string; root_hash: string; at: Date; key_id: string; signature: string }>(
    `SELECT size::text AS size, root_hash, at, key_id, signature FROM audit_checkpoints ORDER BY size`,
  );
  return rows.map((row) => ({
    size: Number(row.size),
    rootHash: row.root_hash,
    at: row.at.toISOString(),
    keyId: row.key_id,
    signature: row.signature,
  }));
}

/** Every check in order; the first failure's message, or the summary of a log that checks out. */
async function verify(client: Client, key: AuditSigningKey): Promise<{ ok: boolean; message: string }> {
  const checkpoints = await storedCheckpoints(client);
  const witness = new CheckpointWitness(checkpoints);
  const { events, seals, problem } = await verifyChain(client, witness);
  if (problem) {
    return {
      ok: false,
      message: `audit chain BROKEN at seq ${problem.seq}${problem.id ? ` (event ${problem.id})` : ''}: ${problem.problem}`,
    };
  }
  const broken = (checkpoint: StoredCheckpoint, why: string) => ({
    ok: false,
    message: `audit checkpoint BROKEN at size ${checkpoint.size} (signed ${checkpoint.at}): ${why}`,
  });
  for (const checkpoint of checkpoints) {
    const why = checkpointSignatureProblem(checkpoint, key);
    if (why) return broken(checkpoint, why);
  }
  const rootProblem = witness.finish();
  if (rootProblem) return broken(rootProblem.checkpoint, rootProblem.problem);

  const sql: Sql = async <T>(text: string, params?: unknown[]): Promise<T[]> => (await client.query(text, params)).rows as T[];
  for (const { id, seal } of seals) {
    const now = await sealOf(sql, seal.day, seal.timeZone, { from: new Date(seal.from), to: new Date(seal.to) });
    const why = sealProblem(seal, now);
    if (why) return { ok: false, message: `audit daily seal BROKEN for ${seal.day} (event ${id}): ${why}` };
  }
  return {
    ok: true,
    message: `audit chain intact: ${events} events; ${checkpoints.length} checkpoints and ${seals.length} daily seals verified`,
  };
}

/**
 * `npm run audit:verify`: recomputes the audit log from the database and exits 1 naming the
 * first thing that does not match — an event edited, deleted, inserted or reordered; a
 * checkpoint whose root is not that of its events or whose signature does not verify with
 * the configured AUDIT_SIGNING_KEY; a day whose sealed vouchers or redemptions changed — and
 * 0 when everything checks out. It reads PostgreSQL only (DATABASE_URL; under the development
 * launcher, the embedded server of DATA_DIR), in one snapshot, so writers running meanwhile
 * do not make it see a half-written log.
 */
async function main(): Promise<number> {
  const config = loadAppConfig(process.env);
  const key = new AuditSigningKey(config.audit.signingKey);
  const client = new Client({ connectionString: config.databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { ok, message } = await verify(client, key);
    process.stdout.write(`${message}\n`);
    return ok ? 0 : 1;
  } finally {
    await client.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      error instanceof ConfigError
        ? `${error.message}\n`
        : `audit verification failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(2);
  },
);
