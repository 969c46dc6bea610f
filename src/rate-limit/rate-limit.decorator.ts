import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { RateLimitGuard } from './rate-limit.guard';
import type { RateLimitPolicyName } from '../config/rate-limits';

export const RATE_LIMIT_POLICIES = 'rate-limit:policies';

/**
 * Limits a route by the named policies (config/rate-limits.json, src/config/rate-limits.ts), counted in Redis so
 * every API process shares the same budget. Runs after authentication.
 */
export const RateLimit = (...policies: RateLimitPolicyName[]): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(RATE_LIMIT_POLICIES, policies), UseGuards(RateLimitGuard));
