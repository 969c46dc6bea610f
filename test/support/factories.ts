import { signToken } from '../../src/auth/jwt';
import type { Theme } from '../../src/common/domain/themes';
import { ApiClient } from './http';
import { TEST_ADMIN, TEST_JWT_SECRET } from './test-app';

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

/** A published campaign with one round open for claims now; returns the round view (with denomination ids). */
export async function makeOpenRound(api: ApiClient, token: string, roundOverrides: Record<string, unknown> = {}, campaignOverrides: Record<string, unknown> = {}) {
  const campaign = await makeCampaign(api, token, campaignOverrides);
  return makeRound(api, token, campaign.id, roundOverrides);
}

/** POST /api/v1/claims as the given resident. */
export function claimAs(api: ApiClient, residentId: string, denominationId: string, headers?: Record<string, string>) {
  return api.post('/api/v1/claims', { denominationId }, { token: residentToken(residentId), headers });
}
