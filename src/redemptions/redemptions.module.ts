import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { MerchantsModule } from '../merchants/merchants.module';
import { VouchersModule } from '../vouchers/vouchers.module';
import { WebhookEventsModule } from '../webhooks/webhook-events.module';
import { Redemption } from './redemption.entity';
import { RedemptionsController } from './redemptions.controller';
import { RedemptionStatement } from './redemption.statement';
import { RedemptionsService } from './redemptions.service';

/** Checkout: verify, redeem, reverse, history. Its scheduled housekeeping is MaintenanceModule. */
@Module({
  imports: [TypeOrmModule.forFeature([Redemption]), VouchersModule, MerchantsModule, IdempotencyModule, WebhookEventsModule],
  controllers: [RedemptionsController],
  providers: [RedemptionsService, RedemptionStatement],
  exports: [RedemptionsService],
})
export class RedemptionsModule {}
