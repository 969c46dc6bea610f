import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { runMigrations } from '../../src/database/migrate';
import { EmbeddedPostgres } from '../../scripts/dev/embedded-postgres';
import { EmbeddedRedis } from '../../scripts/dev/embedded-redis';
import { TEMPLATE_DATABASE, TestServers, writeServers } from './servers';

/**
 * Starts one embedded PostgreSQL and one Redis for the whole run (in a fresh temporary
 * folder, so runs never share state) and migrates a template database that every test
 * file clones.
 */
export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'juhui-test-'));
  // The servers' settings are config/postgres.conf and config/redis.conf, as deployed.
  const postgres = new EmbeddedPostgres({ dataDir: join(dir, 'postgres'), database: TEMPLATE_DATABASE });
  const redis = new EmbeddedRedis({ dataDir: join(dir, 'redis') });
  const templateUrl = await postgres.start();
  const redisUrl = await redis.start();
  await runMigrations(templateUrl);
  // A template must have no open connections while it is cloned.
  const admin = new Client({ connectionString: templateUrl.replace(/\/[^/]+$/, '/postgres') });
  await admin.connect();
  await admin.query(`ALTER DATABASE ${TEMPLATE_DATABASE} WITH IS_TEMPLATE true`);
  await admin.end();

  const servers: TestServers = { dir, templateUrl, redisUrl };
  writeServers(servers);
  (globalThis as { __juhuiServers?: { postgres: EmbeddedPostgres; redis: EmbeddedRedis } }).__juhuiServers = { postgres, redis };
}
