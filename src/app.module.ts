import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CampaignsModule } from './campaigns/campaigns.module';
import { ClaimsModule } from './claims/claims.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DemoModule } from './demo/demo.module';
import { HealthModule } from './health/health.module';
import { MerchantsModule } from './merchants/merchants.module';
import { MetricsModule } from './metrics/metrics.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { SettlementModule } from './settlement/settlement.module';
import { RedemptionsModule } from './redemptions/redemptions.module';
import { VouchersModule } from './vouchers/vouchers.module';
import { bullConnection } from './queues/queues';
import { RedisModule } from './redis/redis.module';
import { StaffModule } from './staff/staff.module';
import { StatsModule } from './stats/stats.module';
import { DashboardModule } from './dashboard/dashboard.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        RedisModule,
        EventEmitterModule.forRoot(),
        BullModule.forRoot({ connection: bullConnection(config.redisUrl) }),
        MetricsModule,
        RateLimitModule,
        AuthModule,
        AuditModule,
        StaffModule,
        CampaignsModule,
        MerchantsModule,
        VouchersModule,
        SettlementModule.forRoot({ runWorker: config.runWorker }),
        RedemptionsModule.forRoot({ runWorker: config.runWorker }),
        ClaimsModule,
        StatsModule,
        DashboardModule,
        HealthModule,
        DemoModule,
      ],
    };
  }
}
