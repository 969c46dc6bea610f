import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { BureauSessions } from '../auth/bureau-sessions';
import type { BureauPrincipal, StaffRole } from '../auth/principal';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { StaffSession } from './staff-session.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Bureau sessions kept in PostgreSQL, which every API process shares: a token is good for as
 * long as its row is open, unexpired and its staff member active. One indexed query per
 * bureau request (bureau requests are few); resident and merchant requests never come here.
 */
@Injectable()
export class StaffSessionsService extends BureauSessions {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(StaffSession) private readonly sessions: Repository<StaffSession>,
  ) {
    super();
  }

  async resolve(token: BureauPrincipal): Promise<BureauPrincipal | undefined> {
    if (!UUID.test(token.sessionId) || !UUID.test(token.userId)) return undefined;
    const rows = await this.sessions.query<Array<{ username: string; roles: StaffRole[] }>>(
      `SELECT st.username, st.roles
         FROM staff_sessions s JOIN staff st ON st.id = s.staff_id
        WHERE s.id = $1 AND s.staff_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now() AND st.status = 'active'`,
      [token.sessionId, token.userId],
    );
    const row = rows[0];
    return row && { role: 'bureau', userId: token.userId, username: row.username, staffRoles: row.roles, sessionId: token.sessionId };
  }

  /** Opens a session for a staff member who has just proved who they are. */
  async open(manager: EntityManager, staffId: string): Promise<{ id: string; ttlSeconds: number }> {
    const ttlSeconds = this.config.bureauTokenTtlSeconds;
    const session = await manager.save(
      manager.create(StaffSession, { staffId, expiresAt: new Date(Date.now() + ttlSeconds * 1000), revokedAt: null }),
    );
    return { id: session.id, ttlSeconds };
  }

  /** Ends one session (logout). Returns whether it was still open. */
  async revoke(manager: EntityManager, sessionId: string): Promise<boolean> {
    const result = await manager.update(StaffSession, { id: sessionId, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    return (result.affected ?? 0) > 0;
  }

  /** Ends every open session of a staff member (new password, disabled account). Returns how many. */
  async revokeAll(manager: EntityManager, staffId: string): Promise<number> {
    const result = await manager.update(StaffSession, { staffId, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    return result.affected ?? 0;
  }
}
