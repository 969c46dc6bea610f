import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { AuditSigningKey } from '../src/audit/audit-signing-key';
import { dayWindow, SEAL_DELAY_MS } from '../src/audit/daily-seal.rules';
import { DailySealService } from '../src/audit/daily-seal.service';
import { calendarDate } from '../src/common/time';
import { bureauToken, insertRedemption, insertVouchers, makeMerchant, makeRedemptionSource, makeStaff } from './support/factories';
import { ApiClient } from './support/http';
import { bootTestApp, TEST_AUDIT_SIGNING_KEY, TestApp, testEnvironment } from './support/test-app';

const DAY = 24 * 3600_000;

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

  const verify = (env: Record<string, string> = {}) => {
    const run = spawnSync(process.execPath, [VERIFY], {
      env: { ...process.env, ...testEnvironment(t.db, t.redisUrl, env) },
      encoding: 'utf8',
    });
    return { code: run.status, out: `${run.stdout}${run.stderr}` };
  };
  const event = async (seq: number): Promise<EventRow> =>
    (await t.db.query<EventRow>(`SELECT id, seq::text AS seq, after FROM audit_events WHERE seq = $1`, [seq]))[0];

  const zone = 'Asia/Shanghai';
  const today = calendarDate(new Date(), zone);
  const yesterday = calendarDate(new Date(Date.now() - DAY), zone);
  let yesterdaysVouchers: string[];
  let redemptionIds: string[];

  // No worker: the seals and checkpoints below are the only ones, made when the data is complete.
  beforeAll(async () => {
    t = await bootTestApp({ RUN_WORKER: 'false', CAMPAIGN_TIMEZONE: zone });
    const api = new ApiClient(t.baseUrl);
    const admin = await bureauToken(api);
    for (let i = 0; i < 4; i++) await makeStaff(api, admin, ['operator']);
    const [{ count }] = await t.db.query<{ count: string }>(`SELECT count(*)::text AS count FROM audit_events`);
    expect(Number(count)).toBeGreaterThanOrEqual(6);

    // Claims yesterday and today, redemptions (stored today) of two of yesterday's vouchers.
    const source = await makeRedemptionSource(api, admin);
    const { merchant } = await makeMerchant(api, admin);
    const noonYesterday = new Date(dayWindow(yesterday, zone).from.getTime() + DAY / 2);
    yesterdaysVouchers = await insertVouchers(t.db, source.denominationId, [noonYesterday, noonYesterday, noonYesterday]);
    await insertVouchers(t.db, source.denominationId, [new Date()]);
    redemptionIds = [
      await insertRedemption(t.db, yesterdaysVouchers[0], merchant.id, 100_000, new Date()),
      await insertRedemption(t.db, yesterdaysVouchers[1], merchant.id, 120_000, new Date()),
    ];
    // As the daily job will once today has ended: yesterday and today are sealed.
    expect(await t.app.get(DailySealService).sealDueDays(new Date(Date.now() + DAY + SEAL_DELAY_MS))).toEqual([yesterday, today]);
    expect((await api.post('/api/v1/audit/checkpoints', {}, { token: admin })).status).toBe(201);
  });
  afterAll(() => t.close());

  it('passes an untouched log, its checkpoint and both seals', async () => {
    const [{ seals }] = await t.db.query<{ seals: string }>(
      `SELECT count(*)::text AS seals FROM audit_events WHERE action = 'audit.daily_seal'`,
    );
    expect(seals).toBe('2');
    expect(verify()).toMatchObject({ code: 0, out: expect.stringContaining('audit chain intact') });
    expect(verify().out).toContain('1 checkpoints and 2 daily seals verified');
  });

  it('finds an edited sealed voucher, naming its day', async () => {
    const id = yesterdaysVouchers[2];
    await t.db.query(`UPDATE vouchers SET face_value = face_value * 2 WHERE id = $1`, [id]);
    expect(verify()).toMatchObject({ code: 1, out: expect.stringContaining(`audit daily seal BROKEN for ${yesterday}`) });
    expect(verify().out).toContain('vouchers: the seal says 3 rows');
    await t.db.query(`UPDATE vouchers SET face_value = face_value / 2 WHERE id = $1`, [id]);
    expect(verify().code).toBe(0);
  });

  it('finds a voucher slipped into a sealed day, and one whose time moved by a microsecond', async () => {
    const [backdated] = await insertVouchers(
      t.db,
      (await t.db.query<{ d: string }>(`SELECT denomination_id AS d FROM vouchers LIMIT 1`))[0].d,
      [new Date(dayWindow(yesterday, zone).from.getTime() + 1000)],
    );
    expect(verify()).toMatchObject({ code: 1, out: expect.stringContaining('the database now holds 4 rows') });
    await t.db.query(`DELETE FROM vouchers WHERE id = $1`, [backdated]);
    expect(verify().code).toBe(0);

    await t.db.query(`UPDATE vouchers SET claimed_at = claimed_at + interval '1 microsecond' WHERE id = $1`, [yesterdaysVouchers[2]]);
    expect(verify()).toMatchObject({ code: 1, out: expect.stringContaining(`audit daily seal BROKEN for ${yesterday}`) });
    await t.db.query(`UPDATE vouchers SET claimed_at = claimed_at - interval '1 microsecond' WHERE id = $1`, [yesterdaysVouchers[2]]);
    expect(verify().code).toBe(0);
  });

  it('finds an edited sealed redemption, naming its day', async () => {
    await t.db.query(`UPDATE redemptions SET payable = payable + 1 WHERE id = $1`, [redemptionIds[1]]);
    const { code, out } = verify();
    expect({ code, out }).toMatchObject({ code: 1, out: expect.stringContaining(`audit daily seal BROKEN for ${today}`) });
    expect(out).toContain('redemptions: the seal says 2 rows');
    await t.db.query(`UPDATE redemptions SET payable = payable - 1 WHERE id = $1`, [redemptionIds[1]]);
    expect(verify().code).toBe(0);
  });

  it('lets sealed rows change what may change: a voucher redeemed, a redemption reversed', async () => {
    await t.db.query(`UPDATE redemptions SET status = 'reversed', reversed_at = now(), reversal_reason = 'r' WHERE id = $1`, [
      redemptionIds[0],
    ]);
    await t.db.query(`UPDATE vouchers SET status = 'claimed', redeemed_at = NULL, updated_at = now() WHERE id = $1`, [
      yesterdaysVouchers[0],
    ]);
    expect(verify().code).toBe(0);
  });

  it('finds a checkpoint whose signature was replaced, and one whose root was changed and signed again', async () => {
    const [saved] = await t.db.query<{ size: string; root_hash: string; at: Date; signature: string }>(
      `SELECT size::text AS size, root_hash, at, signature FROM audit_checkpoints`,
    );
    const key = new AuditSigningKey(TEST_AUDIT_SIGNING_KEY);
    const statement = { size: Number(saved.size), rootHash: saved.root_hash, at: saved.at.toISOString() };
    const restore = () => t.db.query(`UPDATE audit_checkpoints SET root_hash = $1, signature = $2`, [saved.root_hash, saved.signature]);

    await t.db.query(`UPDATE audit_checkpoints SET signature = $1`, [key.sign({ ...statement, size: statement.size + 1 })]);
    expect(verify()).toMatchObject({
      code: 1,
      out: expect.stringContaining(`audit checkpoint BROKEN at size ${saved.size} (signed ${statement.at}): its signature does not verify`),
    });
    await restore();
    expect(verify().code).toBe(0);

    const forged = { ...statement, rootHash: 'a'.repeat(64) };
    await t.db.query(`UPDATE audit_checkpoints SET root_hash = $1, signature = $2`, [forged.rootHash, key.sign(forged)]);
    expect(verify()).toMatchObject({ code: 1, out: expect.stringContaining(`is not the root`) });
    await restore();
    expect(verify().code).toBe(0);
  });

  it('finds checkpoints signed by a key other than the configured one', () => {
    const otherKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(verify({ AUDIT_SIGNING_KEY: otherKey })).toMatchObject({ code: 1, out: expect.stringContaining('the configured key is') });
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
