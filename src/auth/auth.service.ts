import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { forbidden, unauthenticated } from '../common/errors/domain-error';
import { DomainError } from '../common/errors/domain-error';
import { looksLikeApiKey } from './api-keys';
import { ApiKeysService } from './api-keys.service';
import { AUTH_FAILURE_LIMITER, type AuthFailureLimiter } from './auth-failures';
import { BureauUser } from './bureau-user.entity';
import { InvalidTokenError, signToken, verifyToken } from './jwt';
import { generatePassword, hashPassword, verifyPassword } from './passwords';
import { STAFF_ROLES, type BureauPrincipal, type Principal } from './principal';
import { readSessionCookie } from './session-cookie';

const THROTTLED_MAX_ENTRIES = 10_000;

// Compared against when the username is unknown, so a miss costs as much as a hit.
const DUMMY_HASH =
  'scrypt$131072$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==';

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);
  /** Addresses over the failed-authentication limit, as this process last learnt from the shared limiter. */
  private readonly throttledUntil = new Map<string, number>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(BureauUser) private readonly users: Repository<BureauUser>,
    private readonly apiKeys: ApiKeysService,
    @Inject(AUTH_FAILURE_LIMITER) private readonly failures: AuthFailureLimiter,
  ) {}

  /**
   * Resolves a bearer credential (a JWT or a merchant API key) from client address `ip` to
   * the caller. Failures are counted per address in the shared limiter; past its limit the
   * address gets 429, and this process then answers it without asking the database (a
   * valid JWT, checked without I/O, and a key already cached still work).
   */
  async authenticate(credential: string, ip: string): Promise<Principal> {
    if (looksLikeApiKey(credential)) {
      const owner = await this.apiKeys.resolve(credential, () => this.throwIfThrottled(ip));
      if (!owner) return this.refuse(ip, 'Unknown or revoked API key');
      return { role: 'merchant', merchantId: owner.merchantId, via: 'api-key' };
    }
    try {
      return verifyToken(credential, this.config.authJwtSecret);
    } catch (error) {
      if (error instanceof InvalidTokenError) return this.refuse(ip, `Invalid token: ${error.message}`);
      throw error;
    }
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
   * For the operations pages outside the JSON API (dashboard, queue board): a bureau caller
   * identified by a bearer token or the session cookie set at login.
   */
  async authenticateOperator(headers: { authorization?: string; cookie?: string }, ip: string): Promise<BureauPrincipal> {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
    const credential = bearer ?? readSessionCookie(headers.cookie);
    if (!credential) throw unauthenticated();
    const principal = await this.authenticate(credential, ip);
    if (principal.role !== 'bureau') throw forbidden('Bureau staff only');
    return principal;
  }

  async login(username: string, password: string): Promise<{ accessToken: string; expiresIn: number }> {
    const user = await this.users.findOne({
      select: { id: true, username: true, passwordHash: true },
      where: { username },
    });
    const valid = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !valid) throw unauthenticated('Wrong username or password');
    const ttl = this.config.bureauTokenTtlSeconds;
    return {
      accessToken: signToken(
        // Until staff accounts exist, the one bureau account is the first admin, who holds every role.
        { role: 'bureau', userId: user.id, username: user.username, staffRoles: STAFF_ROLES },
        this.config.authJwtSecret,
        ttl,
      ),
      expiresIn: ttl,
    };
  }

  /** Creates the first bureau account from configuration when it does not exist yet. */
  async onApplicationBootstrap(): Promise<void> {
    const username = this.config.bureauAdminUsername;
    if (await this.users.existsBy({ username })) return;
    const password = this.config.bureauAdminPassword ?? generatePassword();
    const inserted = await this.users
      .createQueryBuilder()
      .insert()
      .values({ username, passwordHash: await hashPassword(password) })
      .orIgnore()
      .execute();
    if (inserted.identifiers.length === 0) return; // another process created it first
    this.logger.log(`created the first bureau account "${username}"`);
    if (!this.config.bureauAdminPassword) {
      // Printed once to the console, deliberately not through the logger: it must not reach log storage.
      process.stdout.write(
        `\n  Bureau login created: username "${username}", password "${password}"\n  (shown only now; set BUREAU_ADMIN_PASSWORD to choose it)\n\n`,
      );
    }
  }
}
