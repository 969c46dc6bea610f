import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { createWorkerContext } from './app.factory';
import { launch } from './bootstrap';
import { REDIS } from './redis/redis.module';

/** The worker entry point: WorkerModule, the background work without HTTP. Tests wait for this line. */
const WORKER_READY_LINE = 'Juhui worker is running';

/**
 * The worker serves no HTTP, so its container health check (docker-compose.yml) reads this file:
 * touched every few seconds while the event loop turns and Redis, where its jobs come from,
 * answers. A stale file means a hung or cut-off worker.
 */
const HEARTBEAT_FILE = join(tmpdir(), 'juhui-worker.alive');
const HEARTBEAT_MS = 5000;

launch('Worker', async (config) => {
  const context = await createWorkerContext(config);
  const redis = context.get<Redis>(REDIS);
  const beat = (): Promise<void> => redis.ping().then(() => writeFile(HEARTBEAT_FILE, `${new Date().toISOString()}\n`));
  await beat();
  setInterval(() => void beat().catch(() => undefined), HEARTBEAT_MS).unref();
  process.stdout.write(`  ${WORKER_READY_LINE} (settlement, maintenance, stats and webhooks queues, pid ${process.pid})\n`);
  return context;
});
