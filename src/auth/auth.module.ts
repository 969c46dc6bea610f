import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysService } from './api-keys.service';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { BureauUser } from './bureau-user.entity';
import { MerchantApiKey } from './merchant-api-key.entity';

@Module({
  imports: [TypeOrmModule.forFeature([BureauUser, MerchantApiKey])],
  controllers: [AuthController],
  providers: [AuthService, ApiKeysService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuthService, ApiKeysService],
})
export class AuthModule {}
