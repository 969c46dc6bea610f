import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppConfig, EnvironmentVariables, toAppConfig } from '../config/app-config';
import { EmbeddedPostgres } from './embedded-postgres';
import { EmbeddedRedis } from './embedded-redis';

export interface Runtime {
  config: AppConfig;
  /** Stops the embedded servers this runtime started (none when URLs were configured). */
  stop(): Promise<void>;
}

/** The HS256 key: AUTH_JWT_SECRET, else one generated on first start and kept in DATA_DIR. */
export function resolveJwtSecret(env: Pick<EnvironmentVariables, 'AUTH_JWT_SECRET' | 'DATA_DIR'>): string {
  if (env.AUTH_JWT_SECRET) return env.AUTH_JWT_SECRET;
  const file = join(resolve(env.DATA_DIR), 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(resolve(env.DATA_DIR), { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * Resolves the configuration into what the app runs with: starts embedded PostgreSQL
 * and Redis under DATA_DIR when no URL is configured, and settles the JWT key.
 */
export async function startRuntime(env: EnvironmentVariables, log: (message: string) => void): Promise<Runtime> {
  const dataDir = resolve(env.DATA_DIR);
  const started: Array<{ stop(): Promise<void> }> = [];
  const stop = async (): Promise<void> => {
    for (const server of started.reverse()) await server.stop();
  };
  try {
    let databaseUrl = env.DATABASE_URL;
    if (!databaseUrl) {
      const postgres = new EmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), database: 'juhui', log });
      databaseUrl = await postgres.start();
      started.push(postgres);
      log('embedded PostgreSQL is running');
    }
    let redisUrl = env.REDIS_URL;
    if (!redisUrl) {
      const redis = new EmbeddedRedis({ dataDir: join(dataDir, 'redis'), log });
      redisUrl = await redis.start();
      started.push(redis);
      log('embedded Redis is running');
    }
    const config = toAppConfig(env, { databaseUrl, redisUrl, authJwtSecret: resolveJwtSecret(env) });
    return { config, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
