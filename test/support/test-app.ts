import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { Client, Pool } from 'pg';
import { createApp } from '../../src/app.factory';
import { AppConfig, loadAppConfig } from '../../src/config/app-config';
import { TEMPLATE_DATABASE, readServers } from './servers';

export const TEST_JWT_SECRET = 'test-secret-for-jwt-signing-0123456789abcdef';
export const TEST_ADMIN = { username: 'admin', password: 'admin-password-for-tests' };
/** One audit signing key per test file, shared by its in-process app, child processes and audit:verify. */
export const TEST_AUDIT_SIGNING_KEY = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

export interface TestDatabase {
  url: string;
  /** Runs SQL directly against the test database (assertions over stored rows). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** A fresh database cloned from the migrated template: every test file starts empty. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { templateUrl } = readServers();
  const name = `t_${process.env.JEST_WORKER_ID ?? '0'}_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: templateUrl.replace(/\/[^/]+$/, '/postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
  await admin.end();
  const url = templateUrl.replace(/\/[^/]+$/, `/${name}`);
  // A small pool, not one client: tests set data up with concurrent queries, and one pg
  // client running queries concurrently is deprecated (an error from pg 9).
  const pool = new Pool({ connectionString: url, max: 4 });
  // An idle connection dropped by a test that stops PostgreSQL is replaced on the next query.
  pool.on('error', () => undefined);
  return {
    url,
    query: async <T>(sql: string, params?: unknown[]) => (await pool.query(sql, params)).rows as T[],
    close: () => pool.end(),
  };
}

/** One Redis logical database per Jest worker, emptied at the start of each file. */
export async function createTestRedisUrl(): Promise<string> {
  const { redisUrl } = readServers();
  const url = `${redisUrl}/${Number(process.env.JEST_WORKER_ID ?? '1') % 16}`;
  const redis = new Redis(url);
  await redis.flushdb();
  await redis.quit();
  return url;
}

/** The environment of an API started for a test (in-process, or as a child process). */
export function testEnvironment(
  database: Pick<TestDatabase, 'url'>,
  redisUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    AUDIT_SIGNING_KEY: TEST_AUDIT_SIGNING_KEY,
    BUREAU_ADMIN_USERNAME: TEST_ADMIN.username,
    BUREAU_ADMIN_PASSWORD: TEST_ADMIN.password,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    RUN_WORKER: 'true',
    SEED_DEMO: 'false',
    ...extra,
  };
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  db: TestDatabase;
  redisUrl: string;
  /** http://127.0.0.1:<port> of the listening app. */
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * Boots the real application (createApp, as production does) on its own database and
 * listens on a free loopback port, so tests speak real HTTP to it. Failure tests pass the
 * URL of a Redis of their own (`servers.redisUrl`) so they can stop it.
 */
export async function bootTestApp(extraEnv: Record<string, string> = {}, servers: { redisUrl?: string } = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const redisUrl = servers.redisUrl ?? (await createTestRedisUrl());
  const config = loadAppConfig(testEnvironment(db, redisUrl, extraEnv));
  const app = await createApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    config,
    db,
    redisUrl,
    baseUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await db.close();
    },
  };
}
