import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { MAINTENANCE_QUEUE, registerQueue } from '../queues/queues';
import { VouchersModule } from '../vouchers/vouchers.module';
import { MaintenanceProcessor } from './maintenance.processor';

/** The background half of checkout (only where the worker runs): voucher expiry and key purge. */
@Module({
  imports: [VouchersModule, IdempotencyModule, registerQueue(MAINTENANCE_QUEUE)],
  providers: [MaintenanceProcessor],
})
export class MaintenanceModule {}
