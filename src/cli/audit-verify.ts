import { Client } from 'pg';
import type { AuditActor } from '../audit/audit.types';
import { CHAIN_START, type ChainPosition, type ChainProblem, headProblem, type StoredEvent, walkChain } from '../audit/audit-verification';
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

/** Recomputes the audit chain from the database, in batches, and checks its head row. */
async function verifyChain(client: Client): Promise<{ events: number; problem?: ChainProblem }> {
  let end: ChainPosition = CHAIN_START;
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
    if (walked.problem) return { events: end.seq, problem: walked.problem };
    end = walked.end;
  }
  const { rows } = await client.query<{ seq: string; hash: string }>(`SELECT seq::text AS seq, hash FROM audit_chain_head`);
  const head = rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : undefined;
  return { events: end.seq, problem: headProblem(end, head) };
}

/**
 * `npm run audit:verify`: recomputes the audit log's hash chain from the database and exits 1
 * naming the first event that does not match (edited, deleted, inserted or reordered), 0 when
 * every event checks out. It reads PostgreSQL only (DATABASE_URL; under the development
 * launcher, the embedded server of DATA_DIR).
 */
async function main(): Promise<number> {
  const config = loadAppConfig(process.env);
  const client = new Client({ connectionString: config.databaseUrl });
  await client.connect();
  try {
    const { events, problem } = await verifyChain(client);
    if (problem) {
      process.stdout.write(`audit chain BROKEN at seq ${problem.seq}${problem.id ? ` (event ${problem.id})` : ''}: ${problem.problem}\n`);
      return 1;
    }
    process.stdout.write(`audit chain intact: ${events} events\n`);
    return 0;
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
