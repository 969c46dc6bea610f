import { DynamicModule, Module } from '@nestjs/common';
import { PendingReversalsModule } from '../redemptions/pending-reversals.module';
import { SettlementEngine } from './settlement-engine.service';
import { configuredSettlementProcessor } from './settlement.processor';
import { SettlementRunsModule } from './settlement-runs.module';

/** The background half of settlement (only where the worker runs): the consumer carrying out runs, with its schedules. */
@Module({})
export class SettlementWorkerModule {
  static forRoot(options: { jobLockSeconds: number }): DynamicModule {
    return {
      module: SettlementWorkerModule,
      imports: [SettlementRunsModule, PendingReversalsModule],
      providers: [SettlementEngine, configuredSettlementProcessor(options.jobLockSeconds)],
    };
  }
}
