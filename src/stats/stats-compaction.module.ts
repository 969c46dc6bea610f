import { Module } from '@nestjs/common';
import { registerQueue, STATS_QUEUE } from '../queues/queues';
import { StatsCompactor } from './stats.compactor';

/** The background half of statistics (only where the worker runs): folding the ledgers. */
@Module({
  imports: [registerQueue(STATS_QUEUE)],
  providers: [StatsCompactor],
})
export class StatsCompactionModule {}
