import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WebhookEventsModule } from '../webhooks/webhook-events.module';
import { Voucher } from './voucher.entity';
import { VouchersService } from './vouchers.service';
import { WalletController } from './wallet.controller';

@Module({
  imports: [TypeOrmModule.forFeature([Voucher]), WebhookEventsModule],
  controllers: [WalletController],
  providers: [VouchersService],
  exports: [VouchersService],
})
export class VouchersModule {}
