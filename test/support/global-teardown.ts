import { rmSync } from 'node:fs';
import type { EmbeddedPostgres } from '../../scripts/dev/embedded-postgres';
import type { EmbeddedRedis } from '../../scripts/dev/embedded-redis';
import { readServers } from './servers';

export default async function globalTeardown(): Promise<void> {
  const handles = (globalThis as { __juhuiServers?: { postgres: EmbeddedPostgres; redis: EmbeddedRedis } }).__juhuiServers;
  await handles?.redis.stop();
  await handles?.postgres.stop();
  const servers = readServers();
  rmSync(servers.dir, { recursive: true, force: true });
}
