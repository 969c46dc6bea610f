import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DomainError, forbidden, unauthenticated } from '../common/errors/domain-error';
import { looksLikeApiKey } from './api-keys';
import { ApiKeysService } from './api-keys.service';
import { AUTH_FAILURE_LIMITER, type AuthFailureLimiter } from './auth-failures';
import { BureauSessions } from './bureau-sessions';
import { InvalidTokenError, verifyToken } from './jwt';
import type { BureauPrincipal, Principal } from './principal';
import { readSessionCookie } from './session-cookie';

const THROTTLED_MAX_ENTRIES = 10_000;

/** Methods that change nothing (RFC 9110 "safe"): the only ones a cookie may carry without an Origin check. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The parts of a request the operations pages' authentication reads (a FastifyRequest has them). */
export interface OperatorRequest {
  method: string;
  /** `https` when served over TLS, also behind a TRUST_PROXY proxy that says so (X-Forwarded-Proto). */
  protocol: string;
  /** The Host the caller addressed, with its port. */
  host: string;
  /** The client address (behind TRUST_PROXY, the forwarded one). */
  ip: string;
  headers: { authorization?: string; cookie?: string; origin?: string };
}

@Injectable()
export class AuthService {
  /** Addresses over the failed-authentication limit, as this process last learnt from the shared limiter. */
  private readonly throttledUntil = new Map<string, number>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly apiKeys: ApiKeysService,
    @Inject(AUTH_FAILURE_LIMITER) private readonly failures: AuthFailureLimiter,
    private readonly sessions: BureauSessions,
  ) {}

  /**
   * Resolves a bearer credential (a JWT or a merchant API key) from client address `ip` to
   * the caller. Failures are counted per address in the shared limiter; past its limit the
   * address gets 429, and this process then answers it without asking the database (a
   * valid JWT, checked without I/O, and a key already cached still work). A bureau token is
   * only as good as its session: the staff member is re-read on every request, so their roles
   * are the stored ones and a logout, disabling or password change holds at once. Resident
   * and merchant tokens need no I/O.
   */
  async authenticate(credential: string, ip: string): Promise<Principal> {
    if (looksLikeApiKey(credential)) {
      const owner = await this.apiKeys.resolve(credential, () => this.throwIfThrottled(ip));
      if (!owner) return this.refuse(ip, 'Unknown or revoked API key');
      return { role: 'merchant', merchantId: owner.merchantId };
    }
    let principal: Principal;
    try {
      principal = verifyToken(credential, this.config.authJwtSecret);
    } catch (error) {
      if (error instanceof InvalidTokenError) return this.refuse(ip, `Invalid token: ${error.message}`);
      throw error;
    }
    if (principal.role !== 'bureau') return principal;
    const current = await this.sessions.resolve(principal);
    if (!current) throw unauthenticated('This session has ended; sign in again');
    return current;
  }

  private throwIfThrottled(ip: string): void {
    const until = this.throttledUntil.get(ip);
    if (until === undefined) return;
    const seconds = Math.ceil((until - Date.now()) / 1000);
    if (seconds <= 0) {
      this.throttledUntil.delete(ip);
      return;
    }
    throw new DomainError('RATE_LIMITED', `Too many failed authentications; try again in ${seconds} s`, undefined, {
      'Retry-After': String(seconds),
    });
  }

  private async refuse(ip: string, message: string): Promise<never> {
    this.throwIfThrottled(ip);
    try {
      await this.failures.recordFailure(ip);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'RATE_LIMITED') {
        if (this.throttledUntil.size >= THROTTLED_MAX_ENTRIES) this.throttledUntil.clear();
        this.throttledUntil.set(ip, Date.now() + Number(error.headers['Retry-After'] ?? 1) * 1000);
      }
      throw error;
    }
    throw unauthenticated(message);
  }

  /**
   * For the operations pages outside the JSON API (the queue board): a bureau caller
   * identified by a bearer token or the session cookie set at login. A cookie travels with
   * every request the browser makes to us, whoever's page started it, so a state-changing
   * request that relies on it must come from a page of ours: its Origin must be this server.
   */
  async authenticateOperator(request: OperatorRequest): Promise<BureauPrincipal> {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    const credential = bearer ?? readSessionCookie(request.headers.cookie);
    if (!credential) throw unauthenticated();
    if (!bearer && !SAFE_METHODS.has(request.method) && request.headers.origin !== `${request.protocol}://${request.host}`) {
      throw forbidden('A cookie-authenticated change must come from this site (Origin)');
    }
    const principal = await this.authenticate(credential, request.ip);
    if (principal.role !== 'bureau') throw forbidden('Bureau staff only');
    return principal;
  }
}
