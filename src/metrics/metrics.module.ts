import { Global, Module } from '@nestjs/common';
import { registerQueue, SETTLEMENT_QUEUE } from '../queues/queues';
import { HttpMetricsHook } from './http-metrics.hook';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { SettlementQueueDepth } from './settlement-queue-depth';

@Global()
@Module({
  imports: [registerQueue(SETTLEMENT_QUEUE)],
  providers: [MetricsService, HttpMetricsHook, SettlementQueueDepth],
  controllers: [MetricsController],
  exports: [MetricsService],
})
export class MetricsModule {}
