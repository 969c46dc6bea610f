import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MerchantsModule } from '../merchants/merchants.module';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';

/**
 * Credentials and the one guard. Staff accounts, logins and sessions live in src/staff, which
 * provides the BureauSessions this module's AuthService asks (StaffModule is global).
 */
@Module({
  imports: [MerchantsModule],
  providers: [AuthService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuthService],
})
export class AuthModule {}
