import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { OutstandingModule } from '../settlement/outstanding.module';
import { Payees } from '../settlement/payees';
import { Merchant } from './merchant.entity';
import { MerchantsController } from './merchants.controller';
import { MerchantsService } from './merchants.service';

@Module({
  imports: [TypeOrmModule.forFeature([Merchant]), AuthModule, AuditModule, OutstandingModule],
  controllers: [MerchantsController],
  providers: [MerchantsService, { provide: Payees, useExisting: MerchantsService }],
  exports: [MerchantsService, Payees],
})
export class MerchantsModule {}
