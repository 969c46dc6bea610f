import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { AppConfig, ConfigError, loadAppConfig } from './config/app-config';
import { runMigrations } from './database/migrate';

/** How long a shutdown may take (a worker hands its run back between merchants) before the process is ended. */
const SHUTDOWN_GRACE_MS = 30000;

/**
 * The start-up shared by the API and the worker: validate the configuration (DATABASE_URL and
 * REDIS_URL required; `npm start`'s launcher provides embedded servers), apply migrations, build
 * the process's Nest application with `start`, and close it on SIGTERM/SIGINT.
 */
export function launch(name: string, start: (config: AppConfig) => Promise<INestApplicationContext>): void {
  const logger = new Logger(name);
  const run = async (): Promise<void> => {
    const config = loadAppConfig(process.env);
    let app: INestApplicationContext | undefined;
    let closing = false;
    const shutdown = async (signal: string): Promise<void> => {
      if (closing) return;
      closing = true;
      logger.log(`${signal} received: finishing in-flight work and shutting down`);
      const force = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS);
      force.unref();
      await app?.close().catch((error: unknown) => logger.error(error));
      process.exit(0);
    };
    try {
      const applied = await runMigrations(config.databaseUrl);
      if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
      process.once('SIGINT', () => void shutdown('SIGINT'));
      app = await start(config);
    } catch (error) {
      await app?.close().catch(() => undefined);
      throw error;
    }
  };

  run().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      process.stderr.write(
        `Juhui ${name.toLowerCase()} failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    }
    process.exit(1);
  });
}
