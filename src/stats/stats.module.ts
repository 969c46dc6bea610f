import { Module } from '@nestjs/common';
import { StatsCompactor } from './stats.compactor';
import { StatsController } from './stats.controller';
import { StatsService } from './stats.service';

/** Bureau statistics over the programme (figures, breakdowns, CSV export). */
@Module({
  controllers: [StatsController],
  providers: [StatsService, StatsCompactor],
  exports: [StatsService],
})
export class StatsModule {}
