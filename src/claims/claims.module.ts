import { Module } from '@nestjs/common';
import { CampaignsModule } from '../campaigns/campaigns.module';
import { VouchersModule } from '../vouchers/vouchers.module';
import { ClaimLedger } from './claim-ledger';
import { ClaimStateLoader } from './claim-state.loader';
import { ClaimsController } from './claims.controller';
import { ClaimsService } from './claims.service';
import { VoucherWriter } from './voucher-writer';

/** Flash claims: POST /claims, GET /rounds/:id, and the Redis state behind them. */
@Module({
  imports: [CampaignsModule, VouchersModule],
  controllers: [ClaimsController],
  providers: [ClaimLedger, ClaimStateLoader, ClaimsService, VoucherWriter],
  exports: [ClaimStateLoader],
})
export class ClaimsModule {}
