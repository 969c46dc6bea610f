import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { ConfigError, loadAppConfig } from '../config/app-config';
import { runMigrations } from '../database/migrate';
import { ClaimStateLoader } from './claim-state.loader';

/**
 * `npm run reconcile`: rebuilds the claim engine's Redis state of every claimable round
 * from the vouchers stored in PostgreSQL (the API also does this at every start-up).
 * Safe while API processes are serving claims: see ClaimStateLoader. Needs DATABASE_URL and
 * REDIS_URL; with them unset, `npm run reconcile` runs it through the development launcher on
 * the embedded servers of DATA_DIR, so run it while `npm start` is stopped in that set-up
 * (restarting the API reconciles too).
 */
async function reconcile(): Promise<void> {
  const config = loadAppConfig(process.env);
  await runMigrations(config.databaseUrl);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot({ ...config, runWorker: false, seedDemo: false }), {
    logger: ['error', 'warn'],
  });
  try {
    const report = await app.get(ClaimStateLoader).reconcileAll();
    process.stdout.write(`reconciled ${report.rounds} claimable rounds; ${report.remaining} vouchers left to claim\n`);
  } finally {
    await app.close();
  }
}

reconcile().catch((error: unknown) => {
  process.stderr.write(
    error instanceof ConfigError
      ? `${error.message}\n`
      : `reconciliation failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
