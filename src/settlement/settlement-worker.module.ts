import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { SettlementEngine } from './settlement-engine.service';
import { configuredSettlementProcessor } from './settlement.processor';
import { SettlementRunsModule } from './settlement-runs.module';

/** The background half of settlement (only where the worker runs): the consumer carrying out runs, with its schedules. */
@Module({})
export class SettlementWorkerModule {
  /** `deductedReversals`: a module exporting an implementation of DeductedReversals (the redemptions module's). */
  static forRoot(options: { jobLockSeconds: number; deductedReversals: NonNullable<ModuleMetadata['imports']>[number] }): DynamicModule {
    return {
      module: SettlementWorkerModule,
      imports: [SettlementRunsModule, options.deductedReversals],
      providers: [SettlementEngine, configuredSettlementProcessor(options.jobLockSeconds)],
    };
  }
}
