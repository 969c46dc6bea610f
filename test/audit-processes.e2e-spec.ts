import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ApiProcess, startApiProcess } from './support/api-process';
import { bureauToken, makeCampaign, makeMerchant } from './support/factories';
import { ApiClient, ApiResponse } from './support/http';
import { createTestDatabase, createTestRedisUrl, TestDatabase, testEnvironment } from './support/test-app';

const VERIFY = join(__dirname, '..', 'dist', 'src', 'cli', 'audit-verify.js');
const CHANGES = 300;
const MERCHANTS = 20;
const CAMPAIGNS = 10;
/**
 * Changes in flight at once: twice the database connections of the two processes (10 each),
 * so every connection always has a transaction contending for the chain's head, while no
 * request waits the 3 s a process gives a connection to free up: writers serialised on the
 * head commit one at a time, and 300 waiting on 20 connections would outlast that.
 */
const IN_FLIGHT = 40;

/** Runs `work(0 … count-1)` with at most `limit` in flight; the results in order. */
async function withLimit<T>(count: number, limit: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      results[i] = await work(i);
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
  return results;
}

/**
 * The audit chain's one sequencer holds across API processes: hundreds of audited changes sent
 * at once through two processes sharing PostgreSQL leave one chain, seq 1..n without a gap,
 * no two events extending the same predecessor (a fork), and `audit:verify` passes.
 * Needs the build (`npx nest build`).
 */
describe('audit chain under concurrent writers in two API processes', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let processes: ApiProcess[] = [];
  let clients: ApiClient[];

  beforeAll(async () => {
    db = await createTestDatabase();
    env = testEnvironment(db, await createTestRedisUrl(), { RUN_WORKER: 'false' });
    processes = await Promise.all([startApiProcess(env), startApiProcess(env)]);
    clients = processes.map((process) => new ApiClient(process.baseUrl));
  });
  afterAll(async () => {
    await Promise.all(processes.map((process) => process.kill()));
    await db?.close();
  });

  it(`chains ${CHANGES} concurrent changes from both processes without a gap or a fork; audit:verify passes`, async () => {
    const [a] = clients;
    const token = await bureauToken(a);
    const merchants = await Promise.all(Array.from({ length: MERCHANTS }, async () => (await makeMerchant(a, token)).merchant.id));
    const campaigns = await Promise.all(Array.from({ length: CAMPAIGNS }, async () => (await makeCampaign(a, token, {}, false)).id));
    const [{ count: already }] = await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM audit_events`);

    // Three kinds of change, alternating between the processes.
    const change = (i: number): Promise<ApiResponse> => {
      const api = clients[i % 2];
      switch (i % 3) {
        case 0:
          return api.patch(
            `/api/v1/merchants/${merchants[i % MERCHANTS]}`,
            { themes: i % 2 ? ['catering'] : ['catering', 'autos'] },
            { token },
          );
        case 1:
          return api.patch(`/api/v1/campaigns/${campaigns[i % CAMPAIGNS]}`, { budget: 100_000_000 + i }, { token });
        default:
          return api.post(`/api/v1/merchants/${merchants[i % MERCHANTS]}/keys`, { label: `till ${i}` }, { token });
      }
    };
    const answers = await withLimit(CHANGES, IN_FLIGHT, change);
    expect(answers.filter((answer) => answer.status >= 300).map((answer) => `${answer.status} ${answer.text}`)).toEqual([]);

    const [chain] = await db.query<{ events: number; predecessors: number; first: number; last: number }>(
      `SELECT count(*)::int AS events, count(DISTINCT prev_hash)::int AS predecessors, min(seq)::int AS first, max(seq)::int AS last
         FROM audit_events`,
    );
    expect(chain).toEqual({ events: already + CHANGES, predecessors: already + CHANGES, first: 1, last: already + CHANGES });
    const requestIds = answers.map((answer) => answer.headers.get('x-request-id'));
    const [{ recorded }] = await db.query<{ recorded: number }>(
      `SELECT count(DISTINCT request_id)::int AS recorded FROM audit_events WHERE request_id = ANY($1)`,
      [requestIds],
    );
    expect(recorded).toBe(CHANGES);

    const verify = spawnSync(process.execPath, [VERIFY], { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect({ code: verify.status, out: `${verify.stdout}${verify.stderr}` }).toEqual({
      code: 0,
      out: `audit chain intact: ${already + CHANGES} events; 0 checkpoints and 0 daily seals verified\n`,
    });
  });
});
