import { join, resolve } from 'node:path';
import { EmbeddedPostgres } from './embedded-postgres';
import { EmbeddedRedis } from './embedded-redis';

export interface DevServers {
  /** DATABASE_URL and REDIS_URL as given, or of the embedded servers started for the ones missing. */
  databaseUrl: string;
  redisUrl: string;
  /** Stops the embedded servers this started (none when both URLs were given). */
  stop(): Promise<void>;
}

/**
 * Development convenience, never part of the production app: embedded PostgreSQL and Redis kept
 * under `dataDir` (postgres/, redis/), for whichever of the two URLs is not given.
 */
export async function startDevServers(
  given: { databaseUrl?: string; redisUrl?: string },
  dataDir: string,
  log: (message: string) => void,
  options: { detached?: boolean } = {},
): Promise<DevServers> {
  const started: Array<{ stop(): Promise<void> }> = [];
  const stop = async (): Promise<void> => {
    for (const server of started.reverse()) await server.stop();
  };
  try {
    let databaseUrl = given.databaseUrl;
    if (!databaseUrl) {
      const postgres = new EmbeddedPostgres({ dataDir: join(resolve(dataDir), 'postgres'), database: 'juhui', log, ...options });
      databaseUrl = await postgres.start();
      started.push(postgres);
      log('embedded PostgreSQL is running');
    }
    let redisUrl = given.redisUrl;
    if (!redisUrl) {
      const redis = new EmbeddedRedis({ dataDir: join(resolve(dataDir), 'redis'), log, ...options });
      redisUrl = await redis.start();
      started.push(redis);
      log('embedded Redis is running');
    }
    return { databaseUrl, redisUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
