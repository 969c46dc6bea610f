import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/app-config';

export const REDIS = Symbol('REDIS');

/**
 * The shared command connection. It fails fast instead of queueing while Redis is away
 * (no offline queue, one retry per command), so a request answers 503 at once rather than
 * hanging; it keeps reconnecting in the background.
 */
export function createRedisClient(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: `juhui:${name}`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    commandTimeout: 5000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    lazyConnect: false,
  });
}

@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig): Promise<Redis> => {
        const redis = createRedisClient(config.redisUrl, 'api');
        redis.on('error', () => undefined); // surfaced per command and by /health/ready
        await new Promise<void>((ready, fail) => {
          if (redis.status === 'ready') return ready();
          const timer = setTimeout(() => fail(new Error(`Redis at ${config.redisUrl} is not reachable`)), 15000);
          redis.once('ready', () => {
            clearTimeout(timer);
            ready();
          });
        });
        return redis;
      },
    },
    RedisCloser,
  ],
  exports: [REDIS],
})
export class RedisModule {}
