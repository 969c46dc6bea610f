import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApprovalsModule } from '../approvals/approvals.module';
import { AuditModule } from '../audit/audit.module';
import { VouchersModule } from '../vouchers/vouchers.module';
import { Campaign } from './campaign.entity';
import { CampaignsController } from './campaigns.controller';
import { CampaignsService } from './campaigns.service';
import { Denomination } from './denomination.entity';
import { Round } from './round.entity';
import { RoundsController } from './rounds.controller';
import { RoundsService } from './rounds.service';

@Module({
  imports: [TypeOrmModule.forFeature([Campaign, Round, Denomination]), AuditModule, ApprovalsModule, VouchersModule],
  controllers: [CampaignsController, RoundsController],
  providers: [CampaignsService, RoundsService],
  exports: [CampaignsService, RoundsService],
})
export class CampaignsModule {}
