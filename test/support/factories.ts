import { signToken } from '../../src/auth/jwt';
import type { Theme } from '../../src/common/domain/themes';
import { generateVoucherCode } from '../../src/vouchers/voucher-code';
import { ApiClient } from './http';
import { TEST_ADMIN, TEST_JWT_SECRET, TestDatabase } from './test-app';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

export const residentToken = (residentId: string, ttlSeconds = 3600): string =>
  signToken({ role: 'resident', residentId }, TEST_JWT_SECRET, ttlSeconds);

export const merchantToken = (merchantId: string, ttlSeconds = 3600): string =>
  signToken({ role: 'merchant', merchantId, via: 'jwt' }, TEST_JWT_SECRET, ttlSeconds);

/** Logs in as the configured first admin, through the real endpoint. */
export async function bureauToken(api: ApiClient): Promise<string> {
  const response = await api.post('/api/v1/auth/login', TEST_ADMIN);
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
  return response.body.accessToken as string;
}

let sequence = 0;

export function campaignInput(overrides: Record<string, unknown> = {}) {
  const now = Date.now();
  return {
    name: `Campaign ${++sequence}`,
    theme: 'catering' as Theme,
    budget: 100_000_000,
    startsAt: new Date(now - 30 * DAY).toISOString(),
    endsAt: new Date(now + 90 * DAY).toISOString(),
    ...overrides,
  };
}

export function roundInput(overrides: Record<string, unknown> = {}) {
  const now = Date.now();
  return {
    name: `Round ${++sequence}`,
    claimOpensAt: new Date(now - HOUR).toISOString(),
    claimClosesAt: new Date(now + DAY).toISOString(),
    perResidentLimit: 1,
    voucherValidFrom: new Date(now - HOUR).toISOString(),
    voucherValidUntil: new Date(now + 30 * DAY).toISOString(),
    denominations: [{ faceValue: 5000, minSpend: 20000, quantity: 100 }],
    ...overrides,
  };
}

export function merchantInput(overrides: Record<string, unknown> = {}) {
  return {
    name: `商户 ${++sequence}`,
    themes: ['catering'],
    settlementAccount: { bankName: '中国银行', accountName: '测试商户', accountNumber: '6222021234567890123' },
    ...overrides,
  };
}

async function expectCreated<T = any>(response: Promise<{ status: number; body: T; text: string }>, what: string): Promise<T> {
  const answer = await response;
  if (answer.status !== 201 && answer.status !== 200) throw new Error(`${what} failed: ${answer.status} ${answer.text}`);
  return answer.body;
}

/** Creates a campaign (draft unless `publish`), through the API. */
export async function makeCampaign(api: ApiClient, token: string, overrides: Record<string, unknown> = {}, publish = true) {
  const campaign = await expectCreated(api.post('/api/v1/campaigns', campaignInput(overrides), { token }), 'create campaign');
  if (publish) return expectCreated(api.post(`/api/v1/campaigns/${campaign.id}/publish`, undefined, { token }), 'publish campaign');
  return campaign;
}

export async function makeRound(api: ApiClient, token: string, campaignId: string, overrides: Record<string, unknown> = {}) {
  return expectCreated(api.post(`/api/v1/campaigns/${campaignId}/rounds`, roundInput(overrides), { token }), 'create round');
}

/** Registers a merchant; returns the merchant view and its one-time API key. */
export async function makeMerchant(api: ApiClient, token: string, overrides: Record<string, unknown> = {}) {
  return expectCreated<{ merchant: any; apiKey: string }>(api.post('/api/v1/merchants', merchantInput(overrides), { token }), 'create merchant');
}

export interface RedemptionSource {
  campaignId: string;
  roundId: string;
  denominationId: string;
}

/** A published campaign with one round (through the API): what inserted redemptions refer to. */
export async function makeRedemptionSource(api: ApiClient, token: string): Promise<RedemptionSource> {
  const campaign = await makeCampaign(api, token);
  const round = await makeRound(api, token, campaign.id);
  return { campaignId: campaign.id, roundId: round.id, denominationId: round.denominations[0].id };
}

/**
 * Redeemed vouchers and their redemptions, inserted straight into the database (one row per
 * entry of `redemptions`, at its time and face value), for settlement tests that must not
 * depend on the redemption endpoints. Returns the new redemption ids.
 */
export async function insertRedemptions(
  db: TestDatabase,
  source: RedemptionSource,
  merchantId: string,
  redemptions: Array<{ at: Date; faceValue: number }>,
): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `WITH input AS (
       SELECT * FROM unnest($1::timestamptz[], $2::bigint[]) WITH ORDINALITY AS t(redeemed_at, face_value, n)
     ), voucher AS (
       INSERT INTO vouchers (code, resident_id, campaign_id, round_id, denomination_id, theme, face_value, min_spend,
                             valid_from, valid_until, status, claimed_at, redeemed_at)
       SELECT upper(substr(replace(gen_random_uuid()::text, '-', ''), 1, 20)), 'resident-' || n, $3, $4, $5, 'catering',
              face_value, face_value * 4, redeemed_at - interval '10 days', redeemed_at + interval '30 days', 'redeemed',
              redeemed_at - interval '1 hour', redeemed_at
         FROM input ORDER BY n
       RETURNING id, code, face_value, redeemed_at
     ), redemption AS (
       INSERT INTO redemptions (voucher_id, merchant_id, campaign_id, round_id, denomination_id, code, face_value,
                                order_amount, discount, payable, redeemed_at)
       SELECT id, $6, $3, $4, $5, code, face_value, face_value * 4, face_value, face_value * 3, redeemed_at FROM voucher
       RETURNING id
     )
     SELECT id FROM redemption`,
    [redemptions.map((r) => r.at.toISOString()), redemptions.map((r) => r.faceValue), source.campaignId, source.roundId, source.denominationId, merchantId],
  );
  return rows.map((row) => row.id);
}

/** Reverses redemptions straight in the database, as the reversal endpoint would (at `at`). */
export async function reverseRedemptions(db: TestDatabase, ids: string[], at = new Date()): Promise<void> {
  await db.query(
    `UPDATE redemptions SET status = 'reversed', reversed_at = $2, reversal_reason = 'test reversal' WHERE id = ANY($1::uuid[]) AND status = 'active'`,
    [ids, at.toISOString()],
  );
}

/** Polls a settlement run until it has completed or failed, and returns it. */
export async function waitForRun(api: ApiClient, token: string, runId: string, timeoutMs = 90_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await api.get(`/api/v1/settlements/runs/${runId}`, { token });
    if (response.status !== 200) throw new Error(`GET run failed: ${response.status} ${response.text}`);
    if (response.body.status === 'completed' || response.body.status === 'failed') return response.body;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${response.body.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface InsertedVoucher {
  id: string;
  /** Normalised code (upper case, no separators). */
  code: string;
}

/**
 * Stores a claimed voucher straight into `vouchers` for a denomination created through the
 * API (its round's validity and its campaign's theme), as a claim would, without going
 * through the claims endpoint. For tests of what happens to vouchers after claiming.
 */
export async function insertVoucher(
  db: Pick<TestDatabase, 'query'>,
  denominationId: string,
  overrides: { residentId?: string; validFrom?: Date; validUntil?: Date; status?: 'claimed' | 'redeemed' | 'expired' } = {},
): Promise<InsertedVoucher> {
  const code = generateVoucherCode();
  const [row] = await db.query<{ id: string }>(
    `INSERT INTO vouchers (code, resident_id, campaign_id, round_id, denomination_id, theme, face_value, min_spend, valid_from, valid_until, status)
     SELECT $1, $2, d.campaign_id, d.round_id, d.id, c.theme, d.face_value, d.min_spend,
            coalesce($3, r.voucher_valid_from), coalesce($4, r.voucher_valid_until), $5
       FROM denominations d JOIN rounds r ON r.id = d.round_id JOIN campaigns c ON c.id = d.campaign_id
      WHERE d.id = $6
     RETURNING id`,
    [code, overrides.residentId ?? `resident-${++sequence}`, overrides.validFrom ?? null, overrides.validUntil ?? null, overrides.status ?? 'claimed', denominationId],
  );
  if (!row) throw new Error(`no denomination ${denominationId}`);
  return { id: row.id, code };
}

/** A published campaign with one round open for claims now; returns the round view (with denomination ids). */
export async function makeOpenRound(api: ApiClient, token: string, roundOverrides: Record<string, unknown> = {}, campaignOverrides: Record<string, unknown> = {}) {
  const campaign = await makeCampaign(api, token, campaignOverrides);
  return makeRound(api, token, campaign.id, roundOverrides);
}

/** POST /api/v1/claims as the given resident. */
export function claimAs(api: ApiClient, residentId: string, denominationId: string, headers?: Record<string, string>) {
  return api.post('/api/v1/claims', { denominationId }, { token: residentToken(residentId), headers });
}
