import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ClaimStateLoader } from '../claims/claim-state.loader';
import { ClaimsModule } from '../claims/claims.module';
import { AppConfig, ConfigError, loadAppConfig } from '../config/app-config';
import { runMigrations } from '../database/migrate';
import { foundationModules } from '../process-modules';
import { RateLimitModule } from '../rate-limit/rate-limit.module';

/** Only what the claim state needs (and the claims controller's rate-limit guard): no HTTP, no worker, no seeding. */
@Module({})
class ReconcileModule {
  static forRoot(config: AppConfig) {
    return {
      module: ReconcileModule,
      imports: [...foundationModules(config), EventEmitterModule.forRoot(), RateLimitModule, ClaimsModule],
    };
  }
}

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
  const app = await NestFactory.createApplicationContext(ReconcileModule.forRoot(config), { logger: ['error', 'warn'] });
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
