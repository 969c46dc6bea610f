import { LINK_REDEMPTIONS } from '../../src/settlement/settlement.queries';
import { statementAmounts } from '../../src/settlement/settlement.rules';
import { signToken } from '../../src/auth/jwt';
import type { StaffRole } from '../../src/auth/principal';
import type { Theme } from '../../src/common/domain/themes';
import { generateVoucherCode } from '../../src/vouchers/voucher-code';
import type { CampaignView, RoundView } from '../../src/campaigns/campaign.view';
import type { MerchantView } from '../../src/merchants/merchant.view';
import type { RunView } from '../../src/settlement/settlement.view';
import type { toStaffView } from '../../src/staff/staff.view';
import { ApiClient, ApiResponse, Json } from './http';
import { TEST_ADMIN, TEST_JWT_SECRET, TestDatabase } from './test-app';
import { until } from './wait';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

export const residentToken = (residentId: string, ttlSeconds = 3600): string =>
  signToken({ role: 'resident', residentId }, TEST_JWT_SECRET, ttlSeconds);

export const merchantToken = (merchantId: string, ttlSeconds = 3600): string =>
  signToken({ role: 'merchant', merchantId }, TEST_JWT_SECRET, ttlSeconds);

/** Logs in as the configured first admin, through the real endpoint. */
export async function bureauToken(api: ApiClient): Promise<string> {
  return loginAs(api, TEST_ADMIN);
}

/** Logs a staff member in through the real endpoint. */
export async function loginAs(api: ApiClient, credentials: { username: string; password: string }): Promise<string> {
  const response = await api.post<{ accessToken: string }>('/api/v1/auth/login', {
    username: credentials.username,
    password: credentials.password,
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
  return response.body.accessToken;
}

/** Creates a staff member through POST /staff (as an admin); returns it with its password. */
export async function makeStaff(api: ApiClient, adminToken: string, roles: StaffRole[], username = `staff.${++sequence}`) {
  const password = `password-of-${username}`;
  const response = await api.post<ReturnType<typeof toStaffView>>(
    '/api/v1/staff',
    { username, displayName: `Staff ${username}`, roles, password },
    { token: adminToken },
  );
  if (response.status !== 201) throw new Error(`staff creation failed: ${response.status} ${response.text}`);
  return { ...response.body, password };
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

async function expectCreated<T>(response: Promise<ApiResponse<T>>, what: string): Promise<Json<T>> {
  const answer = await response;
  if (answer.status !== 201 && answer.status !== 200) throw new Error(`${what} failed: ${answer.status} ${answer.text}`);
  return answer.body;
}

/** Creates a campaign (draft unless `publish`), through the API. */
export async function makeCampaign(
  api: ApiClient,
  token: string,
  overrides: Record<string, unknown> = {},
  publish = true,
): Promise<Json<CampaignView>> {
  const campaign = await expectCreated(api.post<CampaignView>('/api/v1/campaigns', campaignInput(overrides), { token }), 'create campaign');
  if (publish) {
    return expectCreated(api.post<CampaignView>(`/api/v1/campaigns/${campaign.id}/publish`, undefined, { token }), 'publish campaign');
  }
  return campaign;
}

export async function makeRound(
  api: ApiClient,
  token: string,
  campaignId: string,
  overrides: Record<string, unknown> = {},
): Promise<Json<RoundView>> {
  return expectCreated(api.post<RoundView>(`/api/v1/campaigns/${campaignId}/rounds`, roundInput(overrides), { token }), 'create round');
}

/** The answer to POST /merchants: the merchant and its API key, shown this once. */
export interface MerchantRegistration {
  merchant: MerchantView;
  apiKey: string;
}

/** Registers a merchant; returns the merchant view and its one-time API key. */
export async function makeMerchant(
  api: ApiClient,
  token: string,
  overrides: Record<string, unknown> = {},
): Promise<Json<MerchantRegistration>> {
  return expectCreated(api.post<MerchantRegistration>('/api/v1/merchants', merchantInput(overrides), { token }), 'create merchant');
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
    [
      redemptions.map((r) => r.at.toISOString()),
      redemptions.map((r) => r.faceValue),
      source.campaignId,
      source.roundId,
      source.denominationId,
      merchantId,
    ],
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
export async function waitForRun(api: ApiClient, token: string, runId: string, timeoutMs = 90_000): Promise<Json<RunView>> {
  let run: Json<RunView> | undefined;
  await until(
    `settlement run ${runId} to complete or fail`,
    async () => {
      const response = await api.get<RunView>(`/api/v1/settlements/runs/${runId}`, { token });
      if (response.status !== 200) throw new Error(`GET run failed: ${response.status} ${response.text}`);
      run = response.body;
      return run.status === 'completed' || run.status === 'failed';
    },
    { timeoutMs, detail: () => `still ${run?.status}` },
  );
  return run!;
}

/** Starts a settlement run through the API (cutoff now unless given) and waits for it to finish; returns the finished run. */
export async function runSettlement(api: ApiClient, token: string, cutoff = new Date()): Promise<any> {
  const started = await api.post('/api/v1/settlements/runs', { cutoff: cutoff.toISOString() }, { token });
  if (started.status !== 202) throw new Error(`starting a run failed: ${started.status} ${started.text}`);
  return waitForRun(api, token, started.body.id as string);
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
    [
      code,
      overrides.residentId ?? `resident-${++sequence}`,
      overrides.validFrom ?? null,
      overrides.validUntil ?? null,
      overrides.status ?? 'claimed',
      denominationId,
    ],
  );
  if (!row) throw new Error(`no denomination ${denominationId}`);
  return { id: row.id, code };
}

/** A published campaign with one round open for claims now; returns the round view (with denomination ids). */
export async function makeOpenRound(
  api: ApiClient,
  token: string,
  roundOverrides: Record<string, unknown> = {},
  campaignOverrides: Record<string, unknown> = {},
): Promise<Json<RoundView>> {
  const campaign = await makeCampaign(api, token, campaignOverrides);
  return makeRound(api, token, campaign.id, roundOverrides);
}

/** POST /api/v1/claims as the given resident; name `T` (a VoucherView, an ErrorBody) to have the answer checked. */
export function claimAs<T = any>(api: ApiClient, residentId: string, denominationId: string, headers?: Record<string, string>) {
  return api.post<T>('/api/v1/claims', { denominationId }, { token: residentToken(residentId), headers });
}

// --- Rows written straight into the database --------------------------------------------
// For statistics tests and benchmarks: the traffic the claims, redemption and settlement
// endpoints would store, without going through them (and with times in the past).

interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** Stores one voucher of the denomination per instant given (as claims would); returns their ids. */
export async function insertVouchers(db: Queryable, denominationId: string, claimedAt: Date[]): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO vouchers (code, resident_id, campaign_id, round_id, denomination_id, theme, face_value, min_spend, valid_from, valid_until, claimed_at)
     SELECT upper(substr(md5(random()::text || clock_timestamp()::text), 1, 24)), 'resident-' || gen_random_uuid(),
            d.campaign_id, d.round_id, d.id, c.theme, d.face_value, d.min_spend, r.voucher_valid_from, r.voucher_valid_until, at
     FROM denominations d JOIN rounds r ON r.id = d.round_id JOIN campaigns c ON c.id = d.campaign_id,
          unnest($2::timestamptz[]) AS at
     WHERE d.id = $1
     RETURNING id`,
    [denominationId, claimedAt.map((at) => at.toISOString())],
  );
  return rows.map((row) => row.id);
}

/** Redeems a stored voucher at a merchant (discount = face value, as minSpend ≥ faceValue). */
export async function insertRedemption(
  db: Queryable,
  voucherId: string,
  merchantId: string,
  orderAmount: number,
  redeemedAt: Date,
): Promise<string> {
  const [row] = await db.query<{ id: string }>(
    `WITH voucher AS (
       UPDATE vouchers SET status = 'redeemed', redeemed_at = $4, updated_at = now() WHERE id = $1 AND status = 'claimed' RETURNING *
     )
     INSERT INTO redemptions (voucher_id, merchant_id, campaign_id, round_id, denomination_id, code, face_value, order_amount, discount, payable, redeemed_at)
     SELECT id, $2, campaign_id, round_id, denomination_id, code, face_value, $3, face_value, $3 - face_value, $4 FROM voucher
     RETURNING id`,
    [voucherId, merchantId, orderAmount, redeemedAt.toISOString()],
  );
  if (!row) throw new Error(`voucher ${voucherId} is not redeemable`);
  return row.id;
}

/** Reverses a standing redemption; its voucher goes back to claimed. */
export async function reverseRedemption(db: Queryable, redemptionId: string, reversedAt = new Date()): Promise<void> {
  const rows = await db.query(
    `WITH reversed AS (
       UPDATE redemptions SET status = 'reversed', reversed_at = $2, reversal_reason = 'test reversal'
       WHERE id = $1 AND status = 'active' RETURNING voucher_id
     )
     UPDATE vouchers SET status = 'claimed', redeemed_at = NULL, updated_at = now() WHERE id IN (SELECT voucher_id FROM reversed) RETURNING id`,
    [redemptionId, reversedAt.toISOString()],
  );
  if (rows.length !== 1) throw new Error(`redemption ${redemptionId} is not standing`);
}

/**
 * A completed settlement run as SPEC.md describes it and the settlement engine stores it:
 * per merchant, one statement (next in the merchant's sequence) with every unsettled
 * redemption before the cutoff — active ones make the gross, one reversed before it was ever
 * settled is voided (linked twice, worth nothing) — and the deductions for reversals before
 * the cutoff of redemptions settled earlier, plus what the merchant carried over; deductions
 * beyond the gross carry over. Merchants listed in `paid` get their statement paid.
 */
export async function insertSettlementRun(db: Queryable, cutoff = new Date(), paid: string[] = []): Promise<string> {
  const at = cutoff.toISOString();
  const [run] = await db.query<{ id: string }>(
    `INSERT INTO settlement_runs (cutoff, status, started_at, finished_at) VALUES ($1, 'completed', now(), now()) RETURNING id`,
    [at],
  );
  const merchants = await db.query<{ merchant_id: string }>(
    `SELECT DISTINCT merchant_id FROM redemptions
     WHERE (settlement_statement_id IS NULL AND redeemed_at < $1)
        OR (status = 'reversed' AND settlement_statement_id IS NOT NULL AND reversal_statement_id IS NULL AND reversed_at < $1)`,
    [at],
  );
  for (const { merchant_id: merchantId } of merchants) {
    const [last] = await db.query<{ sequence: number; carried_forward: string }>(
      `SELECT sequence, carried_forward FROM settlement_statements WHERE merchant_id = $1 ORDER BY sequence DESC LIMIT 1`,
      [merchantId],
    );
    const [statement] = await db.query<{ id: string }>(
      `INSERT INTO settlement_statements (run_id, merchant_id, sequence, redemption_count, gross, deductions, net)
       VALUES ($1, $2, $3, 0, 0, 0, 0) RETURNING id`,
      [run.id, merchantId, (last?.sequence ?? 0) + 1],
    );
    // The engine's own linking statement and arithmetic, so these statements are exactly what a run writes.
    const [linked] = await db.query<{
      redemption_count: number;
      voided_count: number;
      gross: string;
      reversal_count: number;
      reversed: string;
    }>(LINK_REDEMPTIONS, [statement.id, merchantId, at]);
    const carriedIn = Number(last?.carried_forward ?? 0);
    const { gross, deductions, net, carriedForward } = statementAmounts({
      gross: Number(linked.gross),
      reversed: Number(linked.reversed),
      carriedIn,
    });
    const isPaid = paid.includes(merchantId);
    await db.query(
      `UPDATE settlement_statements
       SET redemption_count = $2, voided_count = $3, reversal_count = $4, gross = $5, deductions = $6, net = $7, carried_in = $8, carried_forward = $9,
           status = $10, bank_reference = $11, paid_at = $12, approved_at = $12
       WHERE id = $1`,
      [
        statement.id,
        linked.redemption_count,
        linked.voided_count,
        linked.reversal_count,
        gross,
        deductions,
        net,
        carriedIn,
        carriedForward,
        isPaid ? 'paid' : 'pending',
        isPaid ? `BANK-${statement.id.slice(0, 8)}` : null,
        isPaid ? new Date().toISOString() : null,
      ],
    );
  }
  return run.id;
}

/** Marks a settlement statement approved and paid, straight in the database. */
export async function markStatementPaid(db: Queryable, statementId: string): Promise<void> {
  await db.query(
    `UPDATE settlement_statements SET status = 'paid', bank_reference = 'BANK-TEST', approved_at = now(), paid_at = now() WHERE id = $1`,
    [statementId],
  );
}

/**
 * Approves a statement and records its payment through the API, as finance does (one person may
 * do both while FOUR_EYES is off): the one place tests pay a statement.
 */
export async function payStatement(api: ApiClient, token: string, statementId: string, bankReference = 'BANK-TEST') {
  await expectCreated(api.post(`/api/v1/settlements/statements/${statementId}/approve`, undefined, { token }), 'approve statement');
  return expectCreated(api.post(`/api/v1/settlements/statements/${statementId}/paid`, { bankReference }, { token }), 'pay statement');
}
