import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { Approval } from './approval.entity';
import { ApprovalsController } from './approvals.controller';
import { ApprovalsService } from './approvals.service';

/**
 * Four-eyes approval requests. Modules whose changes need approval import this one and
 * register a handler per kind (CampaignsModule does), so the dependency points one way.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Approval]), AuditModule],
  controllers: [ApprovalsController],
  providers: [ApprovalsService],
  exports: [ApprovalsService],
})
export class ApprovalsModule {}
