import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DomainError, serviceUnavailable } from '../common/errors/domain-error';
import { REDIS } from '../redis/redis.module';
import { RateLimitPolicy, RateLimitPolicyName } from './rate-limit.policies';

export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/**
 * Fixed-window counters in Redis (rate-limiter-flexible): one atomic increment per request
 * and policy, shared by all API processes. If Redis cannot answer, the request is refused
 * with 503 rather than let through unlimited.
 */
@Injectable()
export class RateLimitService {
  private readonly limiters = new Map<RateLimitPolicyName, RateLimiterRedis>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  policy(name: RateLimitPolicyName): RateLimitPolicy {
    return this.config.rateLimits[name];
  }

  /** Counts one request against a policy; throws RATE_LIMITED (with headers) when over. */
  async consume(policy: RateLimitPolicyName, key: string): Promise<RateLimitState> {
    const limiter = this.limiter(policy);
    try {
      const result = await limiter.consume(key, 1);
      return this.state(limiter.points, result);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        const state = this.state(limiter.points, rejection);
        throw new DomainError('RATE_LIMITED', `Too many requests; try again in ${state.resetSeconds} s`, undefined, {
          ...rateLimitHeaders(state),
          'Retry-After': String(state.resetSeconds),
        });
      }
      throw serviceUnavailable('Rate limiter unavailable');
    }
  }

  private state(limit: number, result: RateLimiterRes): RateLimitState {
    return { limit, remaining: Math.max(0, result.remainingPoints), resetSeconds: Math.max(1, Math.ceil(result.msBeforeNext / 1000)) };
  }

  private limiter(name: RateLimitPolicyName): RateLimiterRedis {
    let limiter = this.limiters.get(name);
    if (!limiter) {
      const policy = this.policy(name);
      limiter = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: `rl:${name}`,
        points: policy.points,
        duration: policy.durationSeconds,
        rejectIfRedisNotReady: true,
      });
      this.limiters.set(name, limiter);
    }
    return limiter;
  }
}

/** The IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers). */
export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  return {
    'RateLimit-Limit': String(state.limit),
    'RateLimit-Remaining': String(state.remaining),
    'RateLimit-Reset': String(state.resetSeconds),
  };
}
