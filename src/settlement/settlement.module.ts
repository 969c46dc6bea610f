import { Module } from '@nestjs/common';
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
@Module({
  imports: [TypeOrmModule.forFeature([SettlementStatement]), SettlementRunsModule, AuthModule, AuditModule, WebhookEventsModule],
  controllers: [SettlementController],
  providers: [SettlementStatementsService, QueueBoard],
})
export class SettlementModule {}
