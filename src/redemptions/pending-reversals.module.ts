import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { VouchersModule } from '../vouchers/vouchers.module';
import { DeductedReversals } from '../settlement/deducted-reversals';
import { PendingReversalsService } from './pending-reversals.service';

/** Completing pending reversals: for the checkout's finance route and for the settlement worker. */
@Module({
  imports: [VouchersModule, AuditModule],
  providers: [PendingReversalsService, { provide: DeductedReversals, useExisting: PendingReversalsService }],
  exports: [PendingReversalsService, DeductedReversals],
})
export class PendingReversalsModule {}
