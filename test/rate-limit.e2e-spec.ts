import { DomainError } from '../src/common/errors/domain-error';
import { RateLimitService } from '../src/rate-limit/rate-limit.service';
import { bootTestApp, TestApp } from './support/test-app';

describe('shared rate limits (counted in batches)', () => {
  let t: TestApp;
  let limits: RateLimitService;

  beforeAll(async () => {
    t = await bootTestApp({ RATE_LIMITS: 'claims.resident=10/60,claims.ip=12/60', RUN_WORKER: 'false' });
    limits = t.app.get(RateLimitService);
  });
  afterAll(() => t.close());

  const outcome = (attempt: Promise<unknown>) =>
    attempt.then(
      () => 'ok',
      (error: unknown) => (error instanceof DomainError ? error.code : 'other'),
    );

  it('counts requests of one event-loop turn in one call, each as if alone: exactly the limit passes', async () => {
    // 15 requests of one resident from one address, submitted together: they share one script call.
    const results = await Promise.all(
      Array.from({ length: 15 }, () =>
        outcome(
          limits.consume([
            { policy: 'claims.resident', key: 'resident:batch-1' },
            { policy: 'claims.ip', key: 'ip:10.0.0.1' },
          ]),
        ),
      ),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(10);
    expect(results.filter((r) => r === 'RATE_LIMITED')).toHaveLength(5);
    // The address has counted all 15 (a refused request still counts): 12 allowed, so another resident gets nothing.
    expect(await outcome(limits.consume([{ policy: 'claims.ip', key: 'ip:10.0.0.1' }]))).toBe('RATE_LIMITED');
    expect(await outcome(limits.consume([{ policy: 'claims.resident', key: 'resident:batch-2' }]))).toBe('ok');
  });

  it('reports the tightest policy, and the exceeded one with Retry-After', async () => {
    const state = await limits.consume([
      { policy: 'claims.resident', key: 'resident:batch-3' },
      { policy: 'claims.ip', key: 'ip:10.0.0.2' },
    ]);
    expect(state).toMatchObject({ limit: 10, remaining: 9 });
    const refusals = await Promise.all(
      Array.from({ length: 12 }, () => limits.consume([{ policy: 'claims.ip', key: 'ip:10.0.0.2' }]).catch((error: unknown) => error)),
    );
    const refused = refusals.find((r): r is DomainError => r instanceof DomainError);
    expect(refused?.code).toBe('RATE_LIMITED');
    expect(refused?.headers).toMatchObject({ 'RateLimit-Limit': '12', 'RateLimit-Remaining': '0' });
    expect(Number(refused?.headers?.['Retry-After'])).toBeGreaterThan(0);
  });
});
