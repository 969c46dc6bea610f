import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { bureauToken, makeStaff } from './support/factories';
import { ApiClient } from './support/http';
import { bootTestApp, TestApp, testEnvironment } from './support/test-app';

const VERIFY = join(__dirname, '..', 'dist', 'src', 'cli', 'audit-verify.js');

interface EventRow {
  id: string;
  seq: string;
  after: unknown;
}

/**
 * `npm run audit:verify` against a log written by real staff changes, then tampered with
 * through SQL the way someone with database access would: each tampering is found and named,
 * and the untouched log passes.
 */
describe('audit:verify', () => {
  let t: TestApp;

  const verify = () => {
    const run = spawnSync(process.execPath, [VERIFY], { env: { ...process.env, ...testEnvironment(t.db, t.redisUrl) }, encoding: 'utf8' });
    return { code: run.status, out: `${run.stdout}${run.stderr}` };
  };
  const event = async (seq: number): Promise<EventRow> =>
    (await t.db.query<EventRow>(`SELECT id, seq::text AS seq, after FROM audit_events WHERE seq = $1`, [seq]))[0];

  beforeAll(async () => {
    t = await bootTestApp();
    const api = new ApiClient(t.baseUrl);
    const admin = await bureauToken(api);
    for (let i = 0; i < 4; i++) await makeStaff(api, admin, ['operator']);
    const [{ count }] = await t.db.query<{ count: string }>(`SELECT count(*)::text AS count FROM audit_events`);
    expect(Number(count)).toBeGreaterThanOrEqual(6);
  });
  afterAll(() => t.close());

  it('passes an untouched log', () => {
    expect(verify()).toMatchObject({ code: 0, out: expect.stringContaining('audit chain intact') });
  });

  it('finds an edited event and names it', async () => {
    const edited = await event(3);
    await t.db.query(`UPDATE audit_events SET after = jsonb_set(coalesce(after, '{}'), '{roles}', '["admin"]') WHERE seq = 3`);
    expect(verify()).toMatchObject({ code: 1, out: expect.stringContaining(`seq 3 (event ${edited.id}): hash does not match`) });
    await t.db.query(`UPDATE audit_events SET after = $1 WHERE seq = 3`, [JSON.stringify(edited.after)]);
    expect(verify().code).toBe(0);
  });

  it('finds a deleted event, in the middle and at the end', async () => {
    for (const where of ['seq = 2', 'seq = (SELECT max(seq) FROM audit_events)']) {
      const [saved] = await t.db.query<Record<string, unknown>>(`SELECT * FROM audit_events WHERE ${where}`);
      await t.db.query(`DELETE FROM audit_events WHERE id = $1`, [saved.id]);
      expect(verify()).toMatchObject({ code: 1, out: expect.stringContaining('audit chain BROKEN') });
      const columns = Object.keys(saved);
      await t.db.query(
        `INSERT INTO audit_events (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
        columns.map((column) =>
          (column === 'before' || column === 'after') && saved[column] !== null ? JSON.stringify(saved[column]) : saved[column],
        ),
      );
      expect(verify().code).toBe(0);
    }
  });

  // Through a free range: seq is unique (and positive) at every statement.
  const swapSeqs = async (a: number, b: number) => {
    const away = 1_000_000;
    await t.db.query(`UPDATE audit_events SET seq = CASE seq WHEN $1 THEN $2 ELSE $3 END + ${away} WHERE seq IN ($1, $2)`, [a, b, a]);
    await t.db.query(`UPDATE audit_events SET seq = seq - ${away} WHERE seq > ${away}`);
  };

  it('finds two events swapped, even with their seqs kept in order', async () => {
    await swapSeqs(2, 3);
    expect(verify()).toMatchObject({ code: 1, out: expect.stringContaining('seq 2') });
    await swapSeqs(2, 3);
    expect(verify().code).toBe(0);
  });
});
