import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { registerQueue, SETTLEMENT_QUEUE } from '../queues/queues';
import { SettlementQueue } from './settlement-queue.service';
import { SettlementRun } from './settlement-run.entity';
import { SettlementRunsService } from './settlement-runs.service';

/** Settlement runs and their queue: shared by the HTTP side (SettlementModule) and the worker (SettlementWorkerModule). */
@Module({
  imports: [TypeOrmModule.forFeature([SettlementRun]), registerQueue(SETTLEMENT_QUEUE), AuditModule],
  providers: [SettlementQueue, SettlementRunsService],
  exports: [SettlementQueue, SettlementRunsService],
})
export class SettlementRunsModule {}
