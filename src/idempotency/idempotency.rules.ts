import { createHash } from 'node:crypto';
import { DomainError, ErrorCode } from '../common/errors/domain-error';

/** Longest Idempotency-Key accepted (the spec: 1–255 characters). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** Visible ASCII, with inner spaces allowed: what an HTTP header can carry unambiguously. */
const KEY_SYNTAX = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * The key from an Idempotency-Key header, or a reason it is unusable. The IETF draft sends
 * the key as a structured-field string ("…" in quotes); Stripe-style clients send it bare.
 * Both mean the same key.
 */
export function parseIdempotencyKey(header: string | string[] | undefined): { key: string } | { problem: string } {
  if (header === undefined) return { problem: 'the Idempotency-Key header is required' };
  if (Array.isArray(header)) return { problem: 'send exactly one Idempotency-Key header' };
  const key = header.length >= 2 && header.startsWith('"') && header.endsWith('"') ? header.slice(1, -1) : header;
  if (key.length < 1 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    return { problem: `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters` };
  }
  if (!KEY_SYNTAX.test(key)) return { problem: 'Idempotency-Key must be visible ASCII characters' };
  return { key };
}

/** JSON with object keys sorted, so two equal bodies have one text whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What identifies "the same request" for a key: the operation (method and target) and the
 * validated body. A key reused for another operation or another body is a client bug.
 */
export function requestFingerprint(operation: string, payload: unknown): string {
  return createHash('sha256').update(operation).update('\n').update(canonicalJson(payload)).digest('hex');
}

/**
 * Whether a failed request's answer is kept and replayed for its key (Stripe: "results are
 * saved once an endpoint started executing"). Business refusals are final answers to that
 * request: a voucher already redeemed stays so, and a point-of-sale retry must see the same
 * refusal. Not kept, so that a retry runs afresh: rate limiting and unavailable dependencies
 * (transient, and nothing was written) and the idempotency conflicts themselves. Malformed
 * requests (400) and authentication failures never reach the key at all.
 */
export function isFinalFailure(error: unknown): error is DomainError {
  if (!(error instanceof DomainError)) return false;
  const transient: readonly ErrorCode[] = ['RATE_LIMITED', 'SERVICE_UNAVAILABLE', 'IDEMPOTENCY_IN_PROGRESS', 'IDEMPOTENCY_KEY_REUSED'];
  return error.status >= 400 && error.status < 500 && !transient.includes(error.code);
}

/** What to do with a request whose key is already stored. */
export type ExistingKeyDecision = 'replay' | 'reused' | 'in-progress' | 'take-over';

export function decideExistingKey(
  stored: { fingerprint: string; state: 'in_progress' | 'completed'; stale: boolean },
  fingerprint: string,
): ExistingKeyDecision {
  if (stored.fingerprint !== fingerprint) return 'reused';
  if (stored.state === 'completed') return 'replay';
  return stored.stale ? 'take-over' : 'in-progress';
}
