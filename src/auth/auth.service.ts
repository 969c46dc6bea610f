import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { forbidden, unauthenticated } from '../common/errors/domain-error';
import { MerchantsService } from '../merchants/merchants.service';
import { looksLikeApiKey } from './api-keys';
import { BureauSessions } from './bureau-sessions';
import { InvalidTokenError, verifyToken } from './jwt';
import type { BureauPrincipal, Principal } from './principal';
import { readSessionCookie } from './session-cookie';

/** Methods that change nothing (RFC 9110 "safe"): the only ones a cookie may carry without an Origin check. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The parts of a request the operations pages' authentication reads (a FastifyRequest has them). */
export interface OperatorRequest {
  method: string;
  /** `https` when served over TLS, also behind a TRUST_PROXY proxy that says so (X-Forwarded-Proto). */
  protocol: string;
  /** The Host the caller addressed, with its port. */
  host: string;
  headers: { authorization?: string; cookie?: string; origin?: string };
}

@Injectable()
export class AuthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly merchants: MerchantsService,
    private readonly sessions: BureauSessions,
  ) {}

  /**
   * Resolves a bearer credential (a JWT or a merchant API key) to the caller. A bureau token
   * is only as good as its session: the staff member is re-read on every request, so their
   * roles are the stored ones and a logout, disabling or password change holds at once.
   * Resident and merchant tokens need no I/O.
   */
  async authenticate(credential: string): Promise<Principal> {
    if (looksLikeApiKey(credential)) {
      const merchantId = await this.merchants.findIdByApiKey(credential);
      if (!merchantId) throw unauthenticated('Unknown API key');
      return { role: 'merchant', merchantId, via: 'api-key' };
    }
    let principal: Principal;
    try {
      principal = verifyToken(credential, this.config.authJwtSecret);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw unauthenticated(`Invalid token: ${error.message}`);
      throw error;
    }
    if (principal.role !== 'bureau') return principal;
    const current = await this.sessions.resolve(principal);
    if (!current) throw unauthenticated('This session has ended; sign in again');
    return current;
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
    const principal = await this.authenticate(credential);
    if (principal.role !== 'bureau') throw forbidden('Bureau staff only');
    return principal;
  }
}
