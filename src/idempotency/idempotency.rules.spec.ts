import { DomainError } from '../common/errors/domain-error';
import { canonicalJson, decideExistingKey, isFinalFailure, parseIdempotencyKey, requestFingerprint } from './idempotency.rules';

describe('parseIdempotencyKey', () => {
  it('accepts bare and structured-field (quoted) keys as the same key', () => {
    expect(parseIdempotencyKey('order-42')).toEqual({ key: 'order-42' });
    expect(parseIdempotencyKey('"order-42"')).toEqual({ key: 'order-42' });
  });

  it('accepts 1 and 255 characters, refuses 0 and 256', () => {
    expect(parseIdempotencyKey('a')).toEqual({ key: 'a' });
    expect(parseIdempotencyKey('k'.repeat(255))).toEqual({ key: 'k'.repeat(255) });
    expect(parseIdempotencyKey('k'.repeat(256))).toHaveProperty('problem');
    expect(parseIdempotencyKey('')).toHaveProperty('problem');
    expect(parseIdempotencyKey('""')).toHaveProperty('problem');
  });

  it('refuses a missing header, repeated headers and invisible characters', () => {
    expect(parseIdempotencyKey(undefined)).toHaveProperty('problem');
    expect(parseIdempotencyKey(['a', 'b'])).toHaveProperty('problem');
    expect(parseIdempotencyKey(' padded')).toHaveProperty('problem');
    expect(parseIdempotencyKey('tab\there')).toHaveProperty('problem');
    expect(parseIdempotencyKey('订单')).toHaveProperty('problem');
  });
});

describe('requestFingerprint', () => {
  it('is the same for equal bodies in any key order and differs for another body or operation', () => {
    const a = requestFingerprint('POST /redemptions', { code: 'X', orderAmount: 100 });
    expect(requestFingerprint('POST /redemptions', { orderAmount: 100, code: 'X' })).toBe(a);
    expect(requestFingerprint('POST /redemptions', { code: 'X', orderAmount: 101 })).not.toBe(a);
    expect(requestFingerprint('POST /redemptions/1/reverse', { code: 'X', orderAmount: 100 })).not.toBe(a);
  });

  it('ignores absent optional fields', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
  });
});

describe('isFinalFailure', () => {
  it('keeps business refusals, not transient failures or idempotency conflicts', () => {
    expect(isFinalFailure(new DomainError('VOUCHER_ALREADY_REDEEMED', 'x'))).toBe(true);
    expect(isFinalFailure(new DomainError('MIN_SPEND_NOT_MET', 'x'))).toBe(true);
    expect(isFinalFailure(new DomainError('NOT_FOUND', 'x'))).toBe(true);
    expect(isFinalFailure(new DomainError('RATE_LIMITED', 'x'))).toBe(false);
    expect(isFinalFailure(new DomainError('SERVICE_UNAVAILABLE', 'x'))).toBe(false);
    expect(isFinalFailure(new DomainError('IDEMPOTENCY_IN_PROGRESS', 'x'))).toBe(false);
    expect(isFinalFailure(new Error('boom'))).toBe(false);
  });
});

describe('decideExistingKey', () => {
  const stored = { fingerprint: 'f', state: 'completed' as const, stale: false };
  it('replays a completed request with the same body', () => expect(decideExistingKey(stored, 'f')).toBe('replay'));
  it('refuses another body, even when completed', () => expect(decideExistingKey(stored, 'g')).toBe('reused'));
  it('answers in-progress while the first holds a live lease', () =>
    expect(decideExistingKey({ ...stored, state: 'in_progress' }, 'f')).toBe('in-progress'));
  it('takes over a stale lease left by a crashed request', () =>
    expect(decideExistingKey({ ...stored, state: 'in_progress', stale: true }, 'f')).toBe('take-over'));
});
