import { createHmac } from 'node:crypto';
import type { WebhookRetryPolicy } from '../config/app-config';
import {
  afterAttempt,
  endpointAfterAttempt,
  forbiddenAddress,
  generateWebhookSecret,
  isNonPublicAddress,
  webhookSignature,
  webhookUrlProblem,
} from './webhook.rules';

const HOUR = 3600_000;
const POLICY: WebhookRetryPolicy = { firstDelayMs: 30_000, maxDelayMs: HOUR, windowMs: 24 * HOUR, disableAfterFailures: 3 };
const FAILED = { status: 503, error: null };
const OK = { status: 204, error: null };

describe('webhook signatures (Standard Webhooks)', () => {
  it('matches the specification’s published example', () => {
    // From the Standard Webhooks specification's reference test vector.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"test": 2432232314}';
    expect(webhookSignature(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('issues secrets that sign: whsec_ and 32 bytes of base64, different each time', () => {
    const [a, b] = [generateWebhookSecret(), generateWebhookSecret()];
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    const key = Buffer.from(a.slice(6), 'base64');
    expect(webhookSignature(a, 'id', 1, '{}')).toBe(`v1,${createHmac('sha256', key).update('id.1.{}').digest('base64')}`);
  });
});

describe('webhook URLs and addresses', () => {
  it.each([
    ['ftp://example.com/hook', 'http or https'],
    ['example.com/hook', 'absolute URL'],
    ['https://user:pw@example.com/hook', 'user name or password'],
    ['javascript:alert(1)', 'http or https'],
  ])('refuses %s', (url, problem) => {
    expect(webhookUrlProblem(url)).toContain(problem);
  });

  it('accepts http and https URLs', () => {
    expect(webhookUrlProblem('https://city.example.gov.cn/juhui/events?x=1')).toBeUndefined();
    expect(webhookUrlProblem('http://203.0.113.7:8080/hook')).toBeUndefined();
  });

  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    'not-an-address',
  ])('%s is not public', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '203.0.113.7', '172.32.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(isNonPublicAddress(address)).toBe(false);
  });

  it('names the first forbidden address of a name that resolves to several', () => {
    expect(forbiddenAddress(['8.8.8.8', '10.0.0.1', '127.0.0.1'])).toBe('10.0.0.1');
    expect(forbiddenAddress(['8.8.8.8'])).toBeUndefined();
  });
});

describe('delivery retries', () => {
  it('delivers on any 2xx', () => {
    expect(afterAttempt({ status: 200, error: null }, 1, 0, POLICY)).toEqual({ status: 'delivered' });
    expect(afterAttempt({ status: 299, error: null }, 7, 0, POLICY)).toEqual({ status: 'delivered' });
  });

  it.each([
    [{ status: 300, error: null }, 'a redirect'],
    [{ status: 410, error: null }, 'a client error'],
    [{ status: null, error: 'timed out' }, 'no answer'],
  ])('retries after %j (%s)', (result, _what) => {
    expect(afterAttempt(result, 1, 0, POLICY)).toEqual({ status: 'pending', retryInMs: 30_000 });
  });

  it('doubles the delay with each attempt, up to the cap', () => {
    const delays = [1, 2, 3, 4, 8, 9, 30].map((n) => afterAttempt(FAILED, n, 0, POLICY));
    expect(delays.map((d) => (d.status === 'pending' ? d.retryInMs : d.status))).toEqual([
      30_000,
      60_000,
      120_000,
      240_000,
      HOUR,
      HOUR,
      HOUR,
    ]);
  });

  it('retries for at least the whole window, then gives up', () => {
    expect(afterAttempt(FAILED, 30, 24 * HOUR - 1, POLICY).status).toBe('pending');
    expect(afterAttempt(FAILED, 30, 24 * HOUR, POLICY)).toEqual({ status: 'failed' });
  });

  it('a schedule of failed attempts spans more than 24 hours', () => {
    let age = 0;
    let attempts = 0;
    for (;;) {
      const outcome = afterAttempt(FAILED, ++attempts, age, POLICY);
      if (outcome.status !== 'pending') break;
      age += outcome.retryInMs;
    }
    expect(age).toBeGreaterThanOrEqual(24 * HOUR);
    expect(attempts).toBeLessThan(40);
  });

  it('disables an endpoint after the configured run of failures; a success resets the run', () => {
    expect(endpointAfterAttempt(FAILED, 0, POLICY)).toEqual({ failureStreak: 1, disable: false });
    expect(endpointAfterAttempt(FAILED, 2, POLICY)).toEqual({ failureStreak: 3, disable: true });
    expect(endpointAfterAttempt(OK, 2, POLICY)).toEqual({ failureStreak: 0, disable: false });
  });
});
