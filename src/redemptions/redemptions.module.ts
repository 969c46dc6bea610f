import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { MerchantsModule } from '../merchants/merchants.module';
import { OutstandingModule } from '../settlement/outstanding.module';
import { VouchersModule } from '../vouchers/vouchers.module';
import { PendingReversalsModule } from './pending-reversals.module';
import { WebhookEventsModule } from '../webhooks/webhook-events.module';
import { Redemption } from './redemption.entity';
import { RedemptionsController } from './redemptions.controller';
import { RedemptionStatement } from './redemption.statement';
import { RedemptionsService } from './redemptions.service';

/** Checkout: verify, redeem, reverse (and finance's approval of a pending reversal), history. Its scheduled housekeeping is MaintenanceModule. */
@Module({
  imports: [
    TypeOrmModule.forFeature([Redemption]),
    VouchersModule,
    MerchantsModule,
    IdempotencyModule,
    OutstandingModule,
    AuditModule,
    PendingReversalsModule,
    WebhookEventsModule,
  ],
  controllers: [RedemptionsController],
  providers: [RedemptionsService, RedemptionStatement],
  exports: [RedemptionsService],
})
export class RedemptionsModule {}
