import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysService } from './api-keys.service';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { MerchantApiKey } from './merchant-api-key.entity';

/**
 * Credentials and the one guard. Staff accounts, logins and sessions live in src/staff, which
 * provides the BureauSessions this module's AuthService asks (StaffModule is global).
 */
@Module({
  imports: [TypeOrmModule.forFeature([MerchantApiKey])],
  providers: [AuthService, ApiKeysService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuthService, ApiKeysService],
})
export class AuthModule {}
