import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { getQueueToken } from '@nestjs/bullmq';
import { MAINTENANCE_JOBS, MAINTENANCE_QUEUE } from '../src/queues/queues';
import { MaintenanceProcessor } from '../src/redemptions/maintenance.processor';
import { formatVoucherCode } from '../src/vouchers/voucher-code';
import { VouchersService } from '../src/vouchers/vouchers.service';
import { DataSource } from 'typeorm';
import { ApiClient } from './support/http';
import { measureGrowth } from './support/metrics';
import {
  bureauToken,
  insertVoucher,
  makeCampaign,
  makeMerchant,
  makeRound,
  merchantToken,
  residentToken,
  waitForRun,
} from './support/factories';
import { bootTestApp, TestApp } from './support/test-app';

const DAY = 24 * 3600_000;

describe('checkout redemption', () => {
  let t: TestApp;
  let api: ApiClient;
  let bureau: string;
  let denominationId: string;
  let autosDenominationId: string;
  let shop: { id: string; key: string };
  let otherShop: { id: string; key: string };
  let garage: { id: string; key: string };
  let suspended: { id: string; key: string };

  const voucher = (overrides: Parameters<typeof insertVoucher>[2] = {}) => insertVoucher(t.db, denominationId, overrides);
  /** `key` null: no Idempotency-Key header at all. */
  const redeem = (token: string, body: Record<string, unknown>, key: string | null = randomUUID()) =>
    api.post('/api/v1/redemptions', body, { token, headers: key === null ? {} : { 'idempotency-key': key } });
  const reverse = (token: string, id: string, body: Record<string, unknown> = { reason: 'refund' }, key: string | null = randomUUID()) =>
    api.post(`/api/v1/redemptions/${id}/reverse`, body, { token, headers: key === null ? {} : { 'idempotency-key': key } });
  const verify = (token: string, body: Record<string, unknown>) => api.post('/api/v1/vouchers/verify', body, { token });
  const count = async (sql: string, params: unknown[] = []) => Number((await t.db.query<{ n: string }>(sql, params))[0]?.n);
  const voucherStatus = async (id: string) =>
    (await t.db.query<{ status: string }>('SELECT status FROM vouchers WHERE id = $1', [id]))[0]?.status;

  async function merchant(themes: string[] = ['catering']) {
    const { merchant: created, apiKey } = await makeMerchant(api, bureau, { themes });
    return { id: created.id, key: apiKey };
  }

  beforeAll(async () => {
    t = await bootTestApp();
    api = new ApiClient(t.baseUrl);
    bureau = await bureauToken(api);
    const campaign = await makeCampaign(api, bureau, { theme: 'catering' });
    const round = await makeRound(api, bureau, campaign.id, { denominations: [{ faceValue: 5000, minSpend: 20000, quantity: 1000 }] });
    denominationId = round.denominations[0].id;
    const autos = await makeCampaign(api, bureau, { theme: 'autos' });
    autosDenominationId = (await makeRound(api, bureau, autos.id)).denominations[0].id;
    shop = await merchant();
    otherShop = await merchant();
    garage = await merchant(['autos']);
    suspended = await merchant();
    const patched = await api.patch(`/api/v1/merchants/${suspended.id}`, { status: 'suspended' }, { token: bureau });
    expect(patched.status).toBe(200);
  });

  afterAll(() => t.close());

  describe('POST /vouchers/verify', () => {
    it('reports the discount and payable amount and changes nothing', async () => {
      const v = await voucher();
      const answer = await verify(shop.key, { code: v.code, orderAmount: 25000 });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ eligible: true, discount: 5000, payable: 20000 });
      expect(await voucherStatus(v.id)).toBe('claimed');
      expect(await count('SELECT count(*) AS n FROM redemptions WHERE voucher_id = $1', [v.id])).toBe(0);
    });

    it('accepts the code in any case, with spaces and grouping dashes', async () => {
      const v = await voucher();
      const typed = ` ${formatVoucherCode(v.code).toLowerCase().replace(/-/g, ' - ')} `;
      const answer = await verify(shop.key, { code: typed, orderAmount: 20000 });
      expect(answer.body).toEqual({ eligible: true, discount: 5000, payable: 15000 });
    });

    it('gives as reason the code a redemption would get', async () => {
      const v = await voucher();
      const expectReason = async (token: string, code: string, orderAmount: number, reason: string) => {
        const answer = await verify(token, { code, orderAmount });
        expect(answer.status).toBe(200);
        expect(answer.body).toMatchObject({ eligible: false, discount: 0, payable: orderAmount, reason });
        const attempt = await redeem(token, { code, orderAmount });
        expect(attempt.body.code).toBe(reason);
      };
      await expectReason(shop.key, v.code, 19999, 'MIN_SPEND_NOT_MET');
      await expectReason(garage.key, v.code, 25000, 'MERCHANT_NOT_ELIGIBLE');
      await expectReason(suspended.key, v.code, 25000, 'MERCHANT_NOT_ELIGIBLE');
      const past = await voucher({ validFrom: new Date(Date.now() - 10 * DAY), validUntil: new Date(Date.now() - DAY) });
      await expectReason(shop.key, past.code, 25000, 'VOUCHER_EXPIRED');
      const future = await voucher({ validFrom: new Date(Date.now() + DAY), validUntil: new Date(Date.now() + 10 * DAY) });
      await expectReason(shop.key, future.code, 25000, 'VOUCHER_NOT_VALID_YET');
      const used = await voucher();
      expect((await redeem(shop.key, { code: used.code, orderAmount: 25000 })).status).toBe(201);
      await expectReason(shop.key, used.code, 25000, 'VOUCHER_ALREADY_REDEEMED');
      expect(await voucherStatus(v.id)).toBe('claimed');
    });

    it('answers 404 only for an unknown code', async () => {
      expect((await verify(shop.key, { code: 'ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ', orderAmount: 25000 })).body.code).toBe('NOT_FOUND');
      expect((await verify(shop.key, { code: 'not a code', orderAmount: 25000 })).status).toBe(404);
    });
  });

  describe('POST /redemptions', () => {
    it('redeems a voucher once: 201 with the priced redemption, voucher redeemed, row stored', async () => {
      const v = await voucher();
      const answer = await redeem(shop.key, { code: formatVoucherCode(v.code).toLowerCase(), orderAmount: 31234, orderRef: 'POS-1/42' });
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({
        voucherId: v.id,
        merchantId: shop.id,
        code: formatVoucherCode(v.code),
        faceValue: 5000,
        orderAmount: 31234,
        discount: 5000,
        payable: 26234,
        orderRef: 'POS-1/42',
        status: 'active',
      });
      expect(typeof answer.body.id).toBe('string');
      expect(new Date(answer.body.redeemedAt).getTime()).toBeLessThanOrEqual(Date.now());
      expect(await voucherStatus(v.id)).toBe('redeemed');
      const [row] = await t.db.query('SELECT merchant_id, order_amount, discount, payable, status FROM redemptions WHERE id = $1', [
        answer.body.id,
      ]);
      expect(row).toEqual({ merchant_id: shop.id, order_amount: '31234', discount: '5000', payable: '26234', status: 'active' });

      const again = await redeem(shop.key, { code: v.code, orderAmount: 31234 });
      expect([again.status, again.body.code]).toEqual([409, 'VOUCHER_ALREADY_REDEEMED']);
    });

    it('redeems in one statement when all is in order, step by step otherwise, with answers of one shape', async () => {
      const keyRow = async (key: string) =>
        (
          await t.db.query(
            `SELECT state, response_status, locked_at IS NULL AS never_leased FROM idempotency_keys WHERE merchant_id = $1 AND key = $2`,
            [shop.id, key],
          )
        )[0];
      const asStored = async (answer: { body: { id: string } }) =>
        (await api.get(`/api/v1/redemptions/${answer.body.id}`, { token: shop.key })).text;

      // One statement: the key is stored completed without ever being leased, and the answer
      // is the redemption exactly as GET shows it.
      const direct = await voucher();
      const directKey = randomUUID();
      const one = await redeem(shop.key, { code: direct.code, orderAmount: 25000, orderRef: 'R-1' }, directKey);
      expect(one.status).toBe(201);
      expect(await keyRow(directKey)).toEqual({ state: 'completed', response_status: 201, never_leased: true });
      expect(await asStored(one)).toBe(one.text);

      // Step by step (the statement meets an existing key: a crashed request's, taken over).
      const taken = await voucher();
      const body = { code: taken.code, orderAmount: 26000 };
      const { requestFingerprint } = await import('../src/idempotency/idempotency.rules');
      const crashedKey = randomUUID();
      await t.db.query(
        `INSERT INTO idempotency_keys (merchant_id, key, fingerprint, state, lock_token, locked_at, created_at)
         VALUES ($1, $2, $3, 'in_progress', gen_random_uuid(), now() - interval '10 minutes', now() - interval '10 minutes')`,
        [shop.id, crashedKey, requestFingerprint('POST /redemptions', body)],
      );
      const two = await redeem(shop.key, body, crashedKey);
      expect(two.status).toBe(201);
      expect(await keyRow(crashedKey)).toEqual({ state: 'completed', response_status: 201, never_leased: false });
      expect(Object.keys(two.body)).toEqual(Object.keys(one.body));
      expect(await asStored(two)).toBe(two.text);
      expect(await count('SELECT count(*) AS n FROM redemptions WHERE voucher_id = ANY($1)', [[direct.id, taken.id]])).toBe(2);

      // A refusal: the statement did nothing, the step-by-step path found and recorded the code.
      const refusedKey = randomUUID();
      const refused = await redeem(shop.key, { code: direct.code, orderAmount: 25000 }, refusedKey);
      expect([refused.status, refused.body.code]).toEqual([409, 'VOUCHER_ALREADY_REDEEMED']);
      expect(await keyRow(refusedKey)).toEqual({ state: 'completed', response_status: 409, never_leased: false });
    });

    it('accepts a merchant JWT as well as the API key', async () => {
      const v = await voucher();
      const answer = await redeem(merchantToken(shop.id), { code: v.code, orderAmount: 20000 });
      expect(answer.status).toBe(201);
      expect(answer.body.payable).toBe(15000);
    });

    it('refuses with every business code and writes nothing', async () => {
      const before = await count('SELECT count(*) AS n FROM redemptions');
      const v = await voucher();
      const cases: Array<[string, Record<string, unknown>, number, string]> = [
        [shop.key, { code: 'ZZZZZZZZZZZZZZZZZZZZ', orderAmount: 25000 }, 404, 'NOT_FOUND'],
        [shop.key, { code: v.code, orderAmount: 100 }, 422, 'MIN_SPEND_NOT_MET'],
        [garage.key, { code: v.code, orderAmount: 25000 }, 403, 'MERCHANT_NOT_ELIGIBLE'],
        [suspended.key, { code: v.code, orderAmount: 25000 }, 403, 'MERCHANT_NOT_ELIGIBLE'],
        [merchantToken(randomUUID()), { code: v.code, orderAmount: 25000 }, 403, 'MERCHANT_NOT_ELIGIBLE'],
      ];
      for (const [token, body, status, code] of cases) {
        const answer = await redeem(token, body);
        expect([answer.status, answer.body.code]).toEqual([status, code]);
      }
      const expired = await voucher({ validFrom: new Date(Date.now() - 10 * DAY), validUntil: new Date(Date.now() - 1000) });
      expect((await redeem(shop.key, { code: expired.code, orderAmount: 25000 })).body).toMatchObject({
        statusCode: 422,
        code: 'VOUCHER_EXPIRED',
      });
      const early = await voucher({ validFrom: new Date(Date.now() + DAY) });
      expect((await redeem(shop.key, { code: early.code, orderAmount: 25000 })).body).toMatchObject({
        statusCode: 422,
        code: 'VOUCHER_NOT_VALID_YET',
      });
      expect(await count('SELECT count(*) AS n FROM redemptions')).toBe(before);
      expect(await voucherStatus(v.id)).toBe('claimed');
    });

    it('answers 400 VALIDATION_FAILED to malformed requests and writes nothing', async () => {
      const v = await voucher();
      const keysBefore = await count('SELECT count(*) AS n FROM idempotency_keys');
      const redemptionsBefore = await count('SELECT count(*) AS n FROM redemptions');
      const bodies: unknown[] = [
        { code: v.code, orderAmount: -1 },
        { code: v.code, orderAmount: 25000.5 },
        { code: v.code, orderAmount: 1e20 },
        { code: v.code, orderAmount: '25000' },
        { code: v.code },
        { orderAmount: 25000 },
        { code: 42, orderAmount: 25000 },
        { code: 'x'.repeat(65), orderAmount: 25000 },
        { code: v.code, orderAmount: 25000, discount: 99999 },
        { code: v.code, orderAmount: 25000, orderRef: 'r'.repeat(129) },
        [],
      ];
      for (const body of bodies) {
        const answer = await api.post('/api/v1/redemptions', body, { token: shop.key, headers: { 'idempotency-key': randomUUID() } });
        expect([answer.status, answer.body.code, JSON.stringify(body)]).toEqual([400, 'VALIDATION_FAILED', JSON.stringify(body)]);
      }
      const good = { code: v.code, orderAmount: 25000 };
      for (const key of [null, '', '""', 'k'.repeat(256), 'café']) {
        const answer = await redeem(shop.key, good, key);
        expect([answer.status, answer.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      }
      const broken = await api.post('/api/v1/redemptions', undefined, {
        token: shop.key,
        raw: '{"code": ',
        headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      });
      expect(broken.status).toBe(400);
      expect(await count('SELECT count(*) AS n FROM idempotency_keys')).toBe(keysBefore);
      expect(await count('SELECT count(*) AS n FROM redemptions')).toBe(redemptionsBefore);
      expect(await voucherStatus(v.id)).toBe('claimed');
      // A 255-character key is fine.
      expect((await redeem(shop.key, good, 'k'.repeat(255))).status).toBe(201);
    });

    it('refuses a merchant suspended after it started redeeming, at once', async () => {
      const shopToSuspend = await merchant();
      expect((await redeem(shopToSuspend.key, { code: (await voucher()).code, orderAmount: 25000 })).status).toBe(201);
      expect((await api.patch(`/api/v1/merchants/${shopToSuspend.id}`, { status: 'suspended' }, { token: bureau })).status).toBe(200);
      const v = await voucher();
      const refused = await redeem(shopToSuspend.key, { code: v.code, orderAmount: 25000 });
      expect([refused.status, refused.body.code]).toEqual([403, 'MERCHANT_NOT_ELIGIBLE']);
      expect(await voucherStatus(v.id)).toBe('claimed');
    });

    it('lets only merchants redeem', async () => {
      const v = await voucher();
      const body = { code: v.code, orderAmount: 25000 };
      expect((await api.post('/api/v1/redemptions', body, { headers: { 'idempotency-key': 'a' } })).status).toBe(401);
      expect((await redeem('jhk_not-a-real-key', body)).status).toBe(401);
      const resident = await redeem(residentToken('resident-1'), body);
      expect([resident.status, resident.body.code]).toEqual([403, 'FORBIDDEN']);
      expect((await redeem(bureau, body)).status).toBe(403);
      expect((await verify(residentToken('resident-1'), body)).status).toBe(403);
      expect(await voucherStatus(v.id)).toBe('claimed');
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the original answer for the same key and body, marked as replayed', async () => {
      const v = await voucher();
      const key = randomUUID();
      const first = await redeem(shop.key, { code: v.code, orderAmount: 25000 }, key);
      expect(first.status).toBe(201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      // The same body with its fields in another order is the same request.
      const replay = await redeem(shop.key, { orderAmount: 25000, code: v.code }, key);
      expect(replay.status).toBe(201);
      expect(replay.text).toBe(first.text);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      // The IETF draft's structured-field form names the same key, and the code may be typed differently.
      expect((await redeem(shop.key, { code: formatVoucherCode(v.code).toLowerCase(), orderAmount: 25000 }, `"${key}"`)).text).toBe(
        first.text,
      );
      expect(await count('SELECT count(*) AS n FROM redemptions WHERE voucher_id = $1', [v.id])).toBe(1);
    });

    it('refuses the same key with another body: 422 IDEMPOTENCY_KEY_REUSED, nothing done', async () => {
      const v = await voucher();
      const other = await voucher();
      const key = randomUUID();
      expect((await redeem(shop.key, { code: v.code, orderAmount: 25000 }, key)).status).toBe(201);
      const reused = await redeem(shop.key, { code: other.code, orderAmount: 25000 }, key);
      expect([reused.status, reused.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
      const reusedForReversal = await reverse(shop.key, randomUUID(), { reason: 'x' }, key);
      expect(reusedForReversal.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await voucherStatus(other.id)).toBe('claimed');
    });

    it('replays a final refusal, but not a request that never started', async () => {
      const v = await voucher();
      const key = randomUUID();
      const refused = await redeem(shop.key, { code: v.code, orderAmount: 100 }, key);
      expect(refused.body.code).toBe('MIN_SPEND_NOT_MET');
      const replay = await redeem(shop.key, { code: v.code, orderAmount: 100 }, key);
      expect(replay.text).toBe(refused.text);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      // A malformed request never claimed the key: the key is still free for a good request.
      const freshKey = randomUUID();
      expect((await redeem(shop.key, { code: v.code, orderAmount: -1 }, freshKey)).status).toBe(400);
      expect((await redeem(shop.key, { code: v.code, orderAmount: 25000 }, freshKey)).status).toBe(201);
    });

    it('scopes keys per merchant', async () => {
      const v = await voucher();
      const key = randomUUID();
      expect((await redeem(shop.key, { code: v.code, orderAmount: 25000 }, key)).status).toBe(201);
      const other = await redeem(otherShop.key, { code: v.code, orderAmount: 25000 }, key);
      expect([other.status, other.body.code]).toEqual([409, 'VOUCHER_ALREADY_REDEEMED']);
      expect(other.headers.get('idempotent-replayed')).toBeNull();
    });

    it('answers 409 IDEMPOTENCY_IN_PROGRESS while a key is held, and recovers a key left by a crashed request', async () => {
      const v = await voucher();
      const body = { code: v.code, orderAmount: 25000 };
      const held = 'held-by-a-live-request';
      const crashed = 'left-by-a-crashed-request';
      const { requestFingerprint } = await import('../src/idempotency/idempotency.rules');
      const fingerprint = requestFingerprint('POST /redemptions', body);
      for (const [key, age] of [
        [held, '1 second'],
        [crashed, '10 minutes'],
      ]) {
        await t.db.query(
          `INSERT INTO idempotency_keys (merchant_id, key, fingerprint, state, lock_token, locked_at, created_at)
           VALUES ($1, $2, $3, 'in_progress', gen_random_uuid(), now() - $4::interval, now() - $4::interval)`,
          [shop.id, key, fingerprint, age],
        );
      }
      const busy = await redeem(shop.key, body, held);
      expect([busy.status, busy.body.code]).toEqual([409, 'IDEMPOTENCY_IN_PROGRESS']);
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(await voucherStatus(v.id)).toBe('claimed');
      const recovered = await redeem(shop.key, body, crashed);
      expect(recovered.status).toBe(201);
      expect((await redeem(shop.key, body, crashed)).text).toBe(recovered.text);
    });
  });

  describe('POST /redemptions/:id/reverse', () => {
    async function redeemed(overrides: Parameters<typeof insertVoucher>[2] = {}, who = shop) {
      const v = await voucher(overrides);
      const answer = await redeem(who.key, { code: v.code, orderAmount: 25000 });
      expect(answer.status).toBe(201);
      return { voucher: v, redemption: answer.body as { id: string } };
    }

    it('reverses once: the voucher is claimed again and can be redeemed again', async () => {
      const { voucher: v, redemption } = await redeemed();
      const key = randomUUID();
      const answer = await reverse(shop.key, redemption.id, { reason: 'customer returned the goods' }, key);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        id: redemption.id,
        status: 'reversed',
        reversalReason: 'customer returned the goods',
        voucherStatus: 'claimed',
      });
      expect(await voucherStatus(v.id)).toBe('claimed');
      const replay = await reverse(shop.key, redemption.id, { reason: 'customer returned the goods' }, key);
      expect([replay.status, replay.text]).toEqual([200, answer.text]);

      const twice = await reverse(shop.key, redemption.id);
      expect([twice.status, twice.body.code]).toEqual([409, 'REVERSAL_NOT_ALLOWED']);
      expect((await redeem(otherShop.key, { code: v.code, orderAmount: 25000 })).status).toBe(201);
      expect(await count(`SELECT count(*) AS n FROM redemptions WHERE voucher_id = $1 AND status = 'active'`, [v.id])).toBe(1);
    });

    it('returns the voucher as expired when its validity has passed', async () => {
      const { voucher: v, redemption } = await redeemed();
      await t.db.query(`UPDATE vouchers SET valid_until = now() - interval '1 minute' WHERE id = $1`, [v.id]);
      const answer = await reverse(shop.key, redemption.id);
      expect(answer.body.voucherStatus).toBe('expired');
      expect(await voucherStatus(v.id)).toBe('expired');
    });

    it('refuses past the reversal window (default 7 days)', async () => {
      const { voucher: v, redemption } = await redeemed();
      await t.db.query(`UPDATE redemptions SET redeemed_at = now() - interval '7 days 1 minute' WHERE id = $1`, [redemption.id]);
      const late = await reverse(shop.key, redemption.id);
      expect([late.status, late.body.code]).toEqual([409, 'REVERSAL_NOT_ALLOWED']);
      expect(await voucherStatus(v.id)).toBe('redeemed');
      await t.db.query(`UPDATE redemptions SET redeemed_at = now() - interval '6 days 23 hours' WHERE id = $1`, [redemption.id]);
      expect((await reverse(shop.key, redemption.id)).status).toBe(200);
    });

    it("deducts a reversal of a settled redemption from the merchant's next statement", async () => {
      const { redemption } = await redeemed();
      const settle = async () => {
        const run = await api.post('/api/v1/settlements/runs', { cutoff: new Date().toISOString() }, { token: bureau });
        expect(run.status).toBe(202);
        expect((await waitForRun(api, bureau, run.body.id)).status).toBe('completed');
        const statements = await api.get(`/api/v1/settlements/statements?runId=${run.body.id}&merchantId=${shop.id}`, { token: bureau });
        return statements.body.items[0];
      };
      const first = await settle();
      expect(first.gross).toBeGreaterThanOrEqual(5000);
      expect((await reverse(shop.key, redemption.id)).status).toBe(200);
      const second = await settle();
      // Nothing else was redeemed, so the deduction exceeds the gross and carries over whole.
      expect(second).toMatchObject({ reversalCount: 1, gross: 0, deductions: 0, net: 0, carriedForward: 5000 });
    });

    it("refuses another merchant's redemption, unknown ids and malformed requests", async () => {
      const { voucher: v, redemption } = await redeemed();
      const foreign = await reverse(otherShop.key, redemption.id);
      expect([foreign.status, foreign.body.code]).toEqual([403, 'FORBIDDEN']);
      expect((await reverse(shop.key, randomUUID())).body.code).toBe('NOT_FOUND');
      expect((await reverse(shop.key, 'not-an-id')).status).toBe(400);
      expect((await reverse(shop.key, redemption.id, {})).status).toBe(400);
      expect((await reverse(shop.key, redemption.id, { reason: 'x', extra: 1 })).status).toBe(400);
      expect((await reverse(shop.key, redemption.id, { reason: 'x' }, null)).status).toBe(400);
      expect((await reverse(residentToken('r'), redemption.id)).status).toBe(403);
      expect(await voucherStatus(v.id)).toBe('redeemed');
    });
  });

  describe('GET /redemptions', () => {
    let mine: string[];
    let theirs: string[];
    let lister: { id: string; key: string };
    let otherLister: { id: string; key: string };

    beforeAll(async () => {
      lister = await merchant();
      otherLister = await merchant();
      mine = [];
      theirs = [];
      for (let i = 0; i < 3; i++) {
        mine.push((await redeem(lister.key, { code: (await voucher()).code, orderAmount: 20000 + i })).body.id);
        theirs.push((await redeem(otherLister.key, { code: (await voucher()).code, orderAmount: 30000 + i })).body.id);
      }
    });

    it('shows a merchant only its own redemptions, newest first', async () => {
      const page = await api.get('/api/v1/redemptions', { token: lister.key });
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(3);
      expect(page.body.items.map((item: { id: string }) => item.id)).toEqual([...mine].reverse());
      expect((await api.get(`/api/v1/redemptions?merchantId=${lister.id}`, { token: lister.key })).body.total).toBe(3);
      const snooping = await api.get(`/api/v1/redemptions?merchantId=${otherLister.id}`, { token: lister.key });
      expect([snooping.status, snooping.body.code]).toEqual([403, 'FORBIDDEN']);
      expect((await api.get(`/api/v1/redemptions/${theirs[0]}`, { token: lister.key })).status).toBe(403);
      expect((await api.get(`/api/v1/redemptions/${mine[0]}`, { token: lister.key })).body.id).toBe(mine[0]);
    });

    it('shows the bureau everything, filterable by merchant and time, paginated', async () => {
      const all = await api.get('/api/v1/redemptions?limit=500', { token: bureau });
      expect(all.body.total).toBeGreaterThanOrEqual(6);
      const one = await api.get(`/api/v1/redemptions?merchantId=${otherLister.id}&limit=2&offset=1`, { token: bureau });
      expect(one.body.total).toBe(3);
      expect(one.body.items.map((item: { id: string }) => item.id)).toEqual([theirs[1], theirs[0]]);
      const future = encodeURIComponent(new Date(Date.now() + DAY).toISOString());
      const past = encodeURIComponent(new Date(Date.now() - DAY).toISOString());
      expect((await api.get(`/api/v1/redemptions?merchantId=${lister.id}&from=${future}`, { token: bureau })).body.total).toBe(0);
      expect((await api.get(`/api/v1/redemptions?merchantId=${lister.id}&from=${past}&to=${future}`, { token: bureau })).body.total).toBe(
        3,
      );
    });

    it('refuses bad queries and other roles', async () => {
      for (const query of [
        'from=yesterday',
        'limit=501',
        'merchantId=nope',
        'status=gone',
        'unknown=1',
        `from=${encodeURIComponent('2026-01-02T00:00:00Z')}&to=${encodeURIComponent('2026-01-01T00:00:00Z')}`,
      ]) {
        const answer = await api.get(`/api/v1/redemptions?${query}`, { token: bureau });
        expect([query, answer.status, answer.body.code]).toEqual([query, 400, 'VALIDATION_FAILED']);
      }
      expect((await api.get('/api/v1/redemptions', { token: residentToken('r') })).status).toBe(403);
      expect((await api.get('/api/v1/redemptions')).status).toBe(401);
    });
  });

  describe('expiry and housekeeping', () => {
    it('reports a voucher past validity as expired before any job, and the job marks it in bulk', async () => {
      const overdue = await Promise.all(
        [1, 2, 3].map(() => voucher({ validFrom: new Date(Date.now() - 10 * DAY), validUntil: new Date(Date.now() - 1000) })),
      );
      const valid = await voucher();
      const redeemedOverdue = await voucher({
        validFrom: new Date(Date.now() - 10 * DAY),
        validUntil: new Date(Date.now() - 1000),
        status: 'redeemed',
      });
      expect((await verify(shop.key, { code: overdue[0].code, orderAmount: 25000 })).body.reason).toBe('VOUCHER_EXPIRED');

      const changed = await t.app.get(MaintenanceProcessor).process({ name: MAINTENANCE_JOBS.expireVouchers } as never);
      expect(changed.changed).toBeGreaterThanOrEqual(3);
      for (const v of overdue) expect(await voucherStatus(v.id)).toBe('expired');
      expect(await voucherStatus(valid.id)).toBe('claimed');
      expect(await voucherStatus(redeemedOverdue.id)).toBe('redeemed');
      expect((await redeem(shop.key, { code: overdue[1].code, orderAmount: 25000 })).body.code).toBe('VOUCHER_EXPIRED');
    });

    it('sweeps on from where the last sweep ended, in batches, through vouchers sharing one validity end', async () => {
      const expireOverdue = (batchSize: number) => t.app.get(VouchersService).expireOverdue(batchSize);
      await expireOverdue(5000);
      const sweptThrough = async () =>
        new Date((await t.db.query<{ at: Date }>('SELECT swept_through AS at FROM voucher_expiry_sweeps'))[0].at).getTime();
      const firstSweep = await sweptThrough();

      // Seven vouchers whose validity ends at the same instant, swept two at a time.
      const validUntil = new Date(Date.now() - 1000);
      const sameEnd = await Promise.all(
        Array.from({ length: 7 }, () => voucher({ validFrom: new Date(Date.now() - 10 * DAY), validUntil })),
      );
      expect(await expireOverdue(2)).toBe(7);
      for (const v of sameEnd) expect(await voucherStatus(v.id)).toBe('expired');
      expect(await sweptThrough()).toBeGreaterThanOrEqual(firstSweep);

      // A voucher put back to claimed after a sweep passed its validity end (a reversal decided
      // just before it) is caught by the next sweep, which looks again at the last minutes.
      await t.db.query(`UPDATE vouchers SET status = 'claimed' WHERE id = $1`, [sameEnd[0].id]);
      expect(await expireOverdue(2)).toBe(1);
      expect(await voucherStatus(sameEnd[0].id)).toBe('expired');
      expect(await expireOverdue(2)).toBe(0);
    });

    it('redeeming updates the voucher heap-only: no index covers a column a redemption changes', async () => {
      // Both redemption paths set the same columns (status, redeemed_at, updated_at); an index
      // naming one of them, even in a partial index's predicate, would make every redemption
      // write eight index entries again (README "### Redemptions").
      const v = await voucher();
      const runner = t.app.get(DataSource).createQueryRunner();
      await runner.startTransaction();
      try {
        // This backend's counts not yet flushed to the cumulative statistics: compare before and after.
        const updates = async () =>
          (
            await runner.query(
              `SELECT n_tup_upd::int AS updated, n_tup_hot_upd::int AS hot FROM pg_stat_xact_user_tables WHERE relname = 'vouchers'`,
            )
          )[0] as { updated: number; hot: number };
        const before = await updates();
        expect(await t.app.get(VouchersService).markRedeemed(runner.manager, v.id, new Date())).toBe(true);
        const after = await updates();
        expect({ updated: after.updated - before.updated, hot: after.hot - before.hot }).toEqual({ updated: 1, hot: 1 });
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    });

    it('purges idempotency keys older than 24 hours and keeps newer ones', async () => {
      const v = await voucher();
      const key = randomUUID();
      expect((await redeem(shop.key, { code: v.code, orderAmount: 25000 }, key)).status).toBe(201);
      await t.db.query(
        `INSERT INTO idempotency_keys (merchant_id, key, fingerprint, state, response_status, response_body, created_at)
         VALUES ($1, 'ancient', repeat('0', 64), 'completed', 201, '{}', now() - interval '25 hours')`,
        [shop.id],
      );
      await t.app.get(MaintenanceProcessor).process({ name: MAINTENANCE_JOBS.purgeIdempotencyKeys } as never);
      expect(await count(`SELECT count(*) AS n FROM idempotency_keys WHERE key = 'ancient'`)).toBe(0);
      expect(await count(`SELECT count(*) AS n FROM idempotency_keys WHERE key = $1`, [key])).toBe(1);
    });

    it('schedules every maintenance job on the maintenance queue when the worker runs', async () => {
      const queue = t.app.get<Queue>(getQueueToken(MAINTENANCE_QUEUE));
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => s.key).sort()).toEqual(Object.values(MAINTENANCE_JOBS).sort());
    });
  });

  it('counts redemptions by outcome in the metrics', async () => {
    const v = await voucher();
    const growth = await measureGrowth(api, [
      'juhui_redemptions_total{outcome="created"}',
      'juhui_redemptions_total{outcome="VOUCHER_ALREADY_REDEEMED"}',
      'juhui_redemption_reversals_total{outcome="reversed"}',
    ]);
    const redeemed = await redeem(shop.key, { code: v.code, orderAmount: 25000 });
    expect(redeemed.status).toBe(201);
    expect((await redeem(otherShop.key, { code: v.code, orderAmount: 25000 })).body.code).toBe('VOUCHER_ALREADY_REDEEMED');
    expect((await reverse(shop.key, redeemed.body.id)).status).toBe(200);
    expect(await growth()).toEqual({
      'juhui_redemptions_total{outcome="created"}': 1,
      'juhui_redemptions_total{outcome="VOUCHER_ALREADY_REDEEMED"}': 1,
      'juhui_redemption_reversals_total{outcome="reversed"}': 1,
    });
  });

  it('keeps autos vouchers to autos merchants', async () => {
    const v = await insertVoucher(t.db, autosDenominationId);
    expect((await redeem(shop.key, { code: v.code, orderAmount: 25000 })).body.code).toBe('MERCHANT_NOT_ELIGIBLE');
    expect((await redeem(garage.key, { code: v.code, orderAmount: 25000 })).status).toBe(201);
  });
});
