import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ApprovalsModule } from './approvals/approvals.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CampaignsModule } from './campaigns/campaigns.module';
import { ClaimsModule } from './claims/claims.module';
import { AppConfig } from './config/app-config';
import { DemoModule } from './demo/demo.module';
import { HealthModule } from './health/health.module';
import { MerchantsModule } from './merchants/merchants.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { SettlementModule } from './settlement/settlement.module';
import { RedemptionsModule } from './redemptions/redemptions.module';
import { VouchersModule } from './vouchers/vouchers.module';
import { backgroundModules, foundationModules } from './process-modules';
import { StaffModule } from './staff/staff.module';
import { StatsModule } from './stats/stats.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { PagesModule } from './pages/pages.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** The API process; with RUN_WORKER (as `npm start`) it also runs the background work of the worker. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...foundationModules(config),
        EventEmitterModule.forRoot(),
        RateLimitModule,
        AuthModule,
        AuditModule,
        StaffModule,
        ApprovalsModule,
        CampaignsModule,
        MerchantsModule,
        VouchersModule,
        SettlementModule.forRoot({ payees: MerchantsModule }),
        RedemptionsModule,
        ClaimsModule,
        StatsModule,
        WebhooksModule,
        DashboardModule,
        PagesModule,
        HealthModule,
        DemoModule,
        ...(config.runWorker ? backgroundModules(config) : []),
      ],
    };
  }
}
