import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import { principalKey } from '../auth/principal';
import { RateLimitPolicyName } from '../config/rate-limits';
import { RATE_LIMIT_POLICIES } from './rate-limit.decorator';
import { rateLimitHeaders, RateLimitService } from './rate-limit.service';

@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limits: RateLimitService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const names =
      this.reflector.getAllAndOverride<RateLimitPolicyName[]>(RATE_LIMIT_POLICIES, [context.getHandler(), context.getClass()]) ?? [];
    if (names.length === 0) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const tightest = await this.limits.consume(names.map((policy) => ({ policy, key: this.keyFor(policy, request) })));
    void reply.headers(rateLimitHeaders(tightest));
    return true;
  }

  /**
   * `request.ip` is the peer address unless the peer is a proxy listed in TRUST_PROXY, in
   * which case Fastify takes the client from X-Forwarded-For; a header sent by anyone else
   * is ignored.
   */
  private keyFor(name: RateLimitPolicyName, request: AuthenticatedRequest): string {
    const by = this.limits.policy(name).by;
    if (by === 'username') {
      // Guards run before validation: a body without a usable username is counted by address (and then refused as invalid).
      const username = (request.body as { username?: unknown } | undefined)?.username;
      return typeof username === 'string' && username.length <= 64 ? `username:${username.toLowerCase()}` : `ip:${request.ip}`;
    }
    if (by === 'ip' || !request.principal) return `ip:${request.ip}`;
    return principalKey(request.principal);
  }
}
