import { Module } from '@nestjs/common';
import { CampaignsModule } from '../campaigns/campaigns.module';
import { MerchantsModule } from '../merchants/merchants.module';
import { DemoSeeder } from './demo.seeder';

@Module({
  imports: [CampaignsModule, MerchantsModule], // StaffService comes from the global StaffModule
  providers: [DemoSeeder],
  exports: [DemoSeeder],
})
export class DemoModule {}
