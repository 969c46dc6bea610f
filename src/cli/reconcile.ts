import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ClaimStateLoader } from '../claims/claim-state.loader';
import { ClaimsModule } from '../claims/claims.module';
import { AppConfig, ConfigError, parseEnvironment } from '../config/app-config';
import { runMigrations } from '../database/migrate';
import { foundationModules } from '../process-modules';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { startRuntime } from '../runtime/runtime';

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
 * Safe while API processes are serving claims: see ClaimStateLoader. With DATABASE_URL and
 * REDIS_URL unset it starts the embedded servers of DATA_DIR, so run it while `npm start`
 * is stopped in that set-up (restarting the API reconciles too).
 */
async function reconcile(): Promise<void> {
  const env = parseEnvironment(process.env);
  const runtime = await startRuntime(env, (message) => process.stdout.write(`${message}\n`));
  try {
    await runMigrations(runtime.config.databaseUrl);
    const app = await NestFactory.createApplicationContext(ReconcileModule.forRoot(runtime.config), {
      logger: ['error', 'warn'],
    });
    try {
      const report = await app.get(ClaimStateLoader).reconcileAll();
      process.stdout.write(`reconciled ${report.rounds} claimable rounds; ${report.remaining} vouchers left to claim\n`);
    } finally {
      await app.close();
    }
  } finally {
    await runtime.stop();
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
