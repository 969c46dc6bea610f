import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { AuthFailureLimiter } from '../auth/auth-failures';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DomainError, serviceUnavailable } from '../common/errors/domain-error';
import { REDIS } from '../redis/redis.module';
import { defineLuaCommand } from '../redis/lua';
import { MicroBatcher } from '../common/micro-batcher';
import { RateLimitPolicy, RateLimitPolicyName } from '../config/rate-limits';

export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/** One request's count against one policy: whose counter it is. */
export interface RateLimitCount {
  policy: RateLimitPolicyName;
  key: string;
}

interface RateLimitCommands {
  rateLimitCount(keyCount: number, ...keysThenWindows: Array<string | number>): Promise<number[]>;
}

/** Requests counted by one script call at most, and calls in flight. */
const COUNT_BATCH_SIZE = 100;
const COUNT_CONCURRENT_BATCHES = 2;

/**
 * Fixed-window counters in Redis, shared by all API processes: the requests of one event-loop
 * turn are counted against all of their routes' policies by one script call
 * (rate-limit.lua), each as if alone, in order. This replaced rate-limiter-flexible, which
 * counts each policy of each request with its own command: on the flash-claim path (two
 * policies) that was a measured share of both the API's and Redis's CPU. If Redis cannot
 * answer, the request is refused with 503 rather than let through unlimited.
 */
@Injectable()
export class RateLimitService implements AuthFailureLimiter {
  private readonly commands: RateLimitCommands;
  private readonly batcher = new MicroBatcher<readonly RateLimitCount[], number[]>({
    maxBatchSize: COUNT_BATCH_SIZE,
    maxConcurrentFlushes: COUNT_CONCURRENT_BATCHES,
    flush: (requests) => this.countAll(requests),
  });

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    defineLuaCommand(redis, 'rateLimitCount', join(__dirname, 'rate-limit.lua'));
    this.commands = redis as unknown as RateLimitCommands;
  }

  async recordFailure(ip: string): Promise<void> {
    await this.consume([{ policy: 'auth.failures.ip', key: `ip:${ip}` }]);
  }

  policy(name: RateLimitPolicyName): RateLimitPolicy {
    return this.config.rateLimits[name];
  }

  /**
   * Counts one request against the given policies. Returns the state of the one with the
   * fewest requests left; throws RATE_LIMITED (with headers) when any is over its limit.
   */
  async consume(counts: readonly RateLimitCount[]): Promise<RateLimitState> {
    const policies = counts.map((count) => this.policy(count.policy));
    let reply: number[];
    try {
      reply = await this.batcher.submit(counts);
    } catch {
      throw serviceUnavailable('Rate limiter unavailable');
    }
    let tightest: RateLimitState | undefined;
    let exceeded: RateLimitState | undefined;
    policies.forEach((policy, i) => {
      const state = {
        limit: policy.points,
        remaining: Math.max(0, policy.points - reply[2 * i]),
        resetSeconds: Math.max(1, Math.ceil(reply[2 * i + 1] / 1000)),
      };
      if (reply[2 * i] > policy.points && (!exceeded || state.resetSeconds > exceeded.resetSeconds)) exceeded = state;
      if (!tightest || state.remaining < tightest.remaining) tightest = state;
    });
    if (exceeded) {
      throw new DomainError('RATE_LIMITED', `Too many requests; try again in ${exceeded.resetSeconds} s`, undefined, {
        ...rateLimitHeaders(exceeded),
        'Retry-After': String(exceeded.resetSeconds),
      });
    }
    return tightest!;
  }

  /** One script call for many requests' counts; each request gets its own [count, ms left] pairs. */
  private async countAll(requests: ReadonlyArray<readonly RateLimitCount[]>): Promise<number[][]> {
    const counts = requests.flat();
    const reply = await this.commands.rateLimitCount(
      counts.length,
      ...counts.map((count) => `rl:${count.policy}:${count.key}`),
      ...counts.map((count) => this.policy(count.policy).durationSeconds * 1000),
    );
    let offset = 0;
    return requests.map((request) => reply.slice(offset, (offset += 2 * request.length)));
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
