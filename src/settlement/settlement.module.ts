import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { SETTLEMENT_QUEUE } from '../queues/queues';
import { QueueBoard } from './queue-board';
import { SettlementEngine } from './settlement-engine.service';
import { SettlementQueue } from './settlement-queue.service';
import { SettlementRun } from './settlement-run.entity';
import { SettlementRunsService } from './settlement-runs.service';
import { SettlementStatement } from './settlement-statement.entity';
import { SettlementStatementsService } from './settlement-statements.service';
import { SettlementController } from './settlement.controller';
import { SettlementWorker } from './settlement.worker';

/**
 * Merchant settlement: runs, statements, the payout file, the queue board, and (only where
 * `runWorker`) the BullMQ consumer with its daily schedule and recovery sweep.
 */
@Module({})
export class SettlementModule {
  static forRoot(options: { runWorker: boolean }): DynamicModule {
    const workerProviders: Provider[] = options.runWorker ? [SettlementEngine, SettlementWorker] : [];
    return {
      module: SettlementModule,
      imports: [
        TypeOrmModule.forFeature([SettlementRun, SettlementStatement]),
        BullModule.registerQueue({ name: SETTLEMENT_QUEUE }),
        AuthModule,
      ],
      controllers: [SettlementController],
      providers: [SettlementQueue, SettlementRunsService, SettlementStatementsService, QueueBoard, ...workerProviders],
    };
  }
}
