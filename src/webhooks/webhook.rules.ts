import { createHmac, randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { WebhookRetryPolicy } from '../config/app-config';

/** Every event type an endpoint may subscribe to (SPEC "Webhooks"). */
export const WEBHOOK_EVENT_TYPES = [
  'voucher.claimed',
  'voucher.redeemed',
  'voucher.reversed',
  'voucher.refunded',
  'voucher.voided',
  'voucher.expiring',
  'voucher.expired',
  'draw.completed',
  'statement.paid',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Longest accepted endpoint URL (the column's varchar). */
export const WEBHOOK_URL_MAX_LENGTH = 2048;

/** The Standard Webhooks secret prefix; what follows it is the base64 of the HMAC key. */
const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

/** A new signing secret: `whsec_` and 32 random bytes in base64. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/**
 * The `webhook-signature` header of a message, as the Standard Webhooks specification defines
 * it: HMAC-SHA256 over `${id}.${timestamp}.${body}` keyed with the base64-decoded secret after
 * its prefix, as `v1,<base64>`. `timestamp` is in whole seconds since the epoch.
 */
export function webhookSignature(secret: string, id: string, timestamp: number, body: string): string {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('a webhook secret starts with whsec_');
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * Addresses a webhook must not reach unless WEBHOOK_ALLOW_PRIVATE: loopback, private
 * (RFC 1918, shared CGNAT space, IPv6 unique-local), link-local (cloud metadata services live
 * there) and unspecified ("this host"). IPv4-mapped IPv6 addresses are checked as their IPv4.
 */
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address is loopback, private, link-local or unspecified. Not an address at all counts as not public. */
export function isNonPublicAddress(address: string): boolean {
  const version = isIP(address);
  if (version === 0) return true;
  return NON_PUBLIC.check(address, version === 4 ? 'ipv4' : 'ipv6');
}

/** The first address a webhook may not reach, or undefined when all are public. */
export function forbiddenAddress(addresses: readonly string[]): string | undefined {
  return addresses.find(isNonPublicAddress);
}

/** A URL's host as DNS and `isIP` read it: IPv6 literals without their brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** Why `text` cannot be a webhook URL (before any name is resolved), or undefined when it can. */
export function webhookUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not carry a user name or password';
  if (!url.hostname) return 'must name a host';
  return undefined;
}

/** An answer (HTTP status) or none (time-out, refused connection, refused address). */
export interface AttemptResult {
  status: number | null;
  error: string | null;
}

export const succeeded = (result: AttemptResult): boolean => result.status !== null && result.status >= 200 && result.status < 300;

export type DeliveryOutcome = { status: 'delivered' } | { status: 'pending'; retryInMs: number } | { status: 'failed' };

/**
 * What becomes of a delivery after its `attempts`-th attempt (counting this one): a 2xx
 * delivers it; otherwise it is retried after a doubling delay (capped) for as long as the
 * retry window, counted from the delivery's creation, has not passed (so the last retry comes
 * at or after its end: retried for at least the window), and fails after.
 */
export function afterAttempt(result: AttemptResult, attempts: number, ageMs: number, policy: WebhookRetryPolicy): DeliveryOutcome {
  if (succeeded(result)) return { status: 'delivered' };
  const retryInMs = Math.min(policy.firstDelayMs * 2 ** Math.min(attempts - 1, 40), policy.maxDelayMs);
  return ageMs < policy.windowMs ? { status: 'pending', retryInMs } : { status: 'failed' };
}

/** The endpoint's failure streak after an attempt, and whether that streak disables it now. */
export function endpointAfterAttempt(
  result: AttemptResult,
  failureStreak: number,
  policy: WebhookRetryPolicy,
): { failureStreak: number; disable: boolean } {
  if (succeeded(result)) return { failureStreak: 0, disable: false };
  const streak = failureStreak + 1;
  return { failureStreak: streak, disable: streak >= policy.disableAfterFailures };
}
