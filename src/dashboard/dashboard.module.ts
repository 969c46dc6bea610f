import { Module } from '@nestjs/common';
import { DashboardAssets } from './dashboard.assets';
import { DashboardController } from './dashboard.controller';

/** The bureau's web page at /dashboard (outside the /api/v1 prefix). */
@Module({
  controllers: [DashboardController],
  providers: [DashboardAssets],
})
export class DashboardModule {}
