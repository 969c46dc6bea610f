import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { MerchantsModule } from '../merchants/merchants.module';
import { DEFAULT_JOB_OPTIONS, MAINTENANCE_QUEUE } from '../queues/queues';
import { VouchersModule } from '../vouchers/vouchers.module';
import { MaintenanceProcessor, MaintenanceScheduler } from './maintenance.processor';
import { Redemption } from './redemption.entity';
import { RedemptionsController } from './redemptions.controller';
import { RedemptionStatement } from './redemption.statement';
import { RedemptionsService } from './redemptions.service';

/** Checkout: verify, redeem, reverse, history; and (in the worker) voucher expiry and key purge. */
@Module({})
export class RedemptionsModule {
  static forRoot(options: { runWorker: boolean }): DynamicModule {
    return {
      module: RedemptionsModule,
      imports: [
        TypeOrmModule.forFeature([Redemption]),
        VouchersModule,
        MerchantsModule,
        IdempotencyModule,
        ...(options.runWorker ? [BullModule.registerQueue({ name: MAINTENANCE_QUEUE, defaultJobOptions: DEFAULT_JOB_OPTIONS })] : []),
      ],
      controllers: [RedemptionsController],
      providers: [RedemptionsService, RedemptionStatement, ...(options.runWorker ? [MaintenanceProcessor, MaintenanceScheduler] : [])],
      exports: [RedemptionsService],
    };
  }
}
