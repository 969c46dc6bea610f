import { Global, Module } from '@nestjs/common';
import { AUTH_FAILURE_LIMITER } from '../auth/auth-failures';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitService } from './rate-limit.service';

@Global()
@Module({
  providers: [RateLimitService, RateLimitGuard, { provide: AUTH_FAILURE_LIMITER, useExisting: RateLimitService }],
  exports: [RateLimitService, RateLimitGuard, AUTH_FAILURE_LIMITER],
})
export class RateLimitModule {}
