import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, parseEnvironment } from './config/app-config';
import { runMigrations } from './database/migrate';
import { createApp } from './app.factory';
import { DemoSeeder } from './demo/demo.seeder';
import { startRuntime } from './runtime/runtime';

const logger = new Logger('Main');

async function main(): Promise<void> {
  const env = parseEnvironment(process.env);
  const runtime = await startRuntime(env, (message) => logger.log(message));
  const { config } = runtime;
  let closing = false;
  try {
    const applied = await runMigrations(config.databaseUrl);
    if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);

    const app = await createApp(config);
    const shutdown = async (signal: string): Promise<void> => {
      if (closing) return;
      closing = true;
      logger.log(`${signal} received: finishing in-flight work and shutting down`);
      const force = setTimeout(() => process.exit(1), 30000);
      force.unref();
      await app.close().catch((error: unknown) => logger.error(error));
      await runtime.stop();
      process.exit(0);
    };
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    process.once('SIGINT', () => void shutdown('SIGINT'));

    if (config.seedDemo) await app.get(DemoSeeder).seedIfEmpty();
    await app.listen({ port: config.port, host: '0.0.0.0' });
    const base = `http://localhost:${config.port}`;
    process.stdout.write(
      [
        '',
        `  Juhui is running${config.runWorker ? ' (API and worker)' : ' (API)'}`,
        `  API          ${base}/api/v1`,
        `  API docs     ${base}/docs`,
        `  Dashboard    ${base}/dashboard   (bureau login: ${config.bureauAdminUsername})`,
        `  Health       ${base}/health/ready`,
        '',
      ].join('\n') + '\n',
    );
  } catch (error) {
    await runtime.stop();
    throw error;
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Juhui failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  }
  process.exit(1);
});
