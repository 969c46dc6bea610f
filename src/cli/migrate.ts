import 'reflect-metadata';
import { ConfigError, parseEnvironment } from '../config/app-config';
import { runMigrations } from '../database/migrate';
import { startRuntime } from '../runtime/runtime';

/**
 * `npm run migration:run`: applies pending migrations, as every API and worker process also
 * does when it starts. With DATABASE_URL unset it uses the embedded PostgreSQL of DATA_DIR
 * (run it while `npm start` is stopped in that set-up).
 */
async function migrate(): Promise<void> {
  const env = parseEnvironment(process.env);
  const runtime = await startRuntime(env, (message) => process.stdout.write(`${message}\n`));
  try {
    const applied = await runMigrations(runtime.config.databaseUrl);
    process.stdout.write(applied.length > 0 ? `applied migrations: ${applied.join(', ')}\n` : 'no pending migrations\n');
  } finally {
    await runtime.stop();
  }
}

migrate().catch((error: unknown) => {
  process.stderr.write(
    error instanceof ConfigError
      ? `${error.message}\n`
      : `migration failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
