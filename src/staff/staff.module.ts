import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { BureauSessions } from '../auth/bureau-sessions';
import { StaffAuthController } from './staff-auth.controller';
import { StaffSession } from './staff-session.entity';
import { StaffSessionsService } from './staff-sessions.service';
import { StaffController } from './staff.controller';
import { Staff } from './staff.entity';
import { StaffService } from './staff.service';

/**
 * Bureau staff: accounts, logins, sessions. Global because it provides the BureauSessions
 * that auth's guard asks on every bureau request; auth cannot import this module (staff
 * depends on auth's tokens and passwords), so the dependency points one way only.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Staff, StaffSession]), AuditModule],
  controllers: [StaffController, StaffAuthController],
  providers: [StaffService, StaffSessionsService, { provide: BureauSessions, useExisting: StaffSessionsService }],
  exports: [StaffService, BureauSessions],
})
export class StaffModule {}
