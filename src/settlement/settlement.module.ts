import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { QueueBoard } from './queue-board';
import { SettlementRunsModule } from './settlement-runs.module';
import { SettlementStatement } from './settlement-statement.entity';
import { SettlementStatementsService } from './settlement-statements.service';
import { SettlementController } from './settlement.controller';
import { WebhookEventsModule } from '../webhooks/webhook-events.module';

/**
 * Merchant settlement as the API serves it: runs, statements, the payout file, the queue
 * board. Runs are carried out by SettlementWorkerModule, wherever the worker runs.
 */
@Module({})
export class SettlementModule {
  /** `payees`: a module exporting an implementation of Payees (the merchants module). */
  static forRoot(options: { payees: NonNullable<ModuleMetadata['imports']>[number] }): DynamicModule {
    return {
      module: SettlementModule,
      imports: [
        TypeOrmModule.forFeature([SettlementStatement]),
        SettlementRunsModule,
        AuthModule,
        AuditModule,
        WebhookEventsModule,
        options.payees,
      ],
      controllers: [SettlementController],
      providers: [SettlementStatementsService, QueueBoard],
    };
  }
}
