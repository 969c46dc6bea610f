import 'reflect-metadata';
import { ConfigError, loadAppConfig } from '../config/app-config';
import { runMigrations } from '../database/migrate';

/**
 * `npm run migration:run`: applies pending migrations, as every API and worker process also
 * does when it starts. Needs DATABASE_URL; with it unset, `npm run migration:run` runs it through
 * the development launcher on the embedded servers of DATA_DIR (while `npm start` is stopped).
 */
async function migrate(): Promise<void> {
  const config = loadAppConfig(process.env);
  const applied = await runMigrations(config.databaseUrl);
  process.stdout.write(applied.length > 0 ? `applied migrations: ${applied.join(', ')}\n` : 'no pending migrations\n');
}

migrate().catch((error: unknown) => {
  process.stderr.write(
    error instanceof ConfigError
      ? `${error.message}\n`
      : `migration failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
