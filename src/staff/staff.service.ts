import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { signToken } from '../auth/jwt';
import { generatePassword, hashPassword, verifyPassword } from '../auth/passwords';
import { STAFF_ROLES, type BureauPrincipal, type StaffRole } from '../auth/principal';
import { passwordProblem } from '../common/domain/password-policy';
import { DomainError, notFound, unauthenticated } from '../common/errors/domain-error';
import type { Page } from '../common/http/pagination';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AuditService } from '../audit/audit.service';
import { systemAuditContext } from '../audit/audit-context';
import type { AuditContext } from '../audit/audit.types';
import { UnitOfWork } from '../database/unit-of-work';
import { Staff, StaffStatus } from './staff.entity';
import { toStaffView } from './staff.view';
import { StaffSessionsService } from './staff-sessions.service';
import { endsSessions, leavesAnActiveAdmin, normaliseRoles } from './staff.rules';

// Compared against when the username is unknown, so a miss costs as much as a hit.
const DUMMY_HASH =
  'scrypt$131072$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==';

export interface NewStaff {
  username: string;
  displayName: string;
  roles: StaffRole[];
  password: string;
}

export interface StaffChange {
  roles?: StaffRole[];
  status?: StaffStatus;
  password?: string;
}

export interface IssuedSession {
  accessToken: string;
  expiresIn: number;
}

function checkPassword(password: string, username: string, field: string): void {
  const problem = passwordProblem(password, username);
  if (problem) throw new DomainError('VALIDATION_FAILED', `${field} ${problem}`, [{ field, problems: [`${field} ${problem}`] }]);
}

/** Staff accounts, their logins and their sessions (SPEC "Staff and audit"). */
@Injectable()
export class StaffService implements OnApplicationBootstrap {
  private readonly logger = new Logger(StaffService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(Staff) private readonly staff: Repository<Staff>,
    private readonly sessions: StaffSessionsService,
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
  ) {}

  async create(input: NewStaff, context: AuditContext): Promise<Staff> {
    checkPassword(input.password, input.username, 'password');
    const passwordHash = await hashPassword(input.password);
    const created = await this.uow.run(async (manager) => {
      const inserted = await manager
        .createQueryBuilder()
        .insert()
        .into(Staff)
        .values({
          username: input.username,
          displayName: input.displayName,
          roles: normaliseRoles(input.roles, STAFF_ROLES),
          status: 'active',
          passwordHash,
        })
        .orIgnore()
        .returning('id')
        .execute();
      const id = (inserted.raw as Array<{ id: string }>)[0]?.id;
      if (!id) throw new DomainError('CONFLICT', `username "${input.username}" is taken`);
      const member = await manager.findOneByOrFail(Staff, { id });
      await this.audit.record(manager, context, { action: 'staff.created', subject: { type: 'staff', id }, after: toStaffView(member) });
      return member;
    });
    return created;
  }

  async get(id: string): Promise<Staff> {
    const member = await this.staff.findOneBy({ id });
    if (!member) throw notFound('staff member', id);
    return member;
  }

  async list(page: { limit: number; offset: number }): Promise<Page<Staff>> {
    const [items, total] = await this.staff.findAndCount({ order: { createdAt: 'ASC', id: 'ASC' }, take: page.limit, skip: page.offset });
    return { items, total };
  }

  /**
   * Changes a staff member's roles, status or password. Every active admin's row is locked
   * first (in id order, so two such changes cannot deadlock) so that two admins removing each
   * other at once cannot leave the bureau without one. A new password or disabling ends every
   * session the member holds; a role change holds from the next request without that.
   */
  async update(id: string, change: StaffChange, context: AuditContext): Promise<Staff> {
    if (change.roles === undefined && change.status === undefined && change.password === undefined) {
      throw new DomainError('VALIDATION_FAILED', 'Give roles, status or password', [{ field: '', problems: ['nothing to change'] }]);
    }
    const passwordHash = change.password === undefined ? undefined : await hashPassword(change.password);
    await this.uow.run(async (manager) => {
      const admins = await manager.query<Array<{ id: string; roles: StaffRole[]; status: StaffStatus }>>(
        `SELECT id, roles, status FROM staff WHERE status = 'active' AND 'admin' = ANY (roles) ORDER BY id FOR UPDATE`,
      );
      const member = await manager.findOne(Staff, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!member) throw notFound('staff member', id);
      if (change.password !== undefined) checkPassword(change.password, member.username, 'password');
      const roles = change.roles === undefined ? member.roles : normaliseRoles(change.roles, STAFF_ROLES);
      const status = change.status ?? member.status;
      if (!leavesAnActiveAdmin(admins, { id, roles, status })) {
        throw new DomainError('INVALID_STATE', 'The bureau must keep at least one active admin');
      }
      await manager.update(Staff, { id }, { roles, status, ...(passwordHash === undefined ? {} : { passwordHash }) });
      if (endsSessions(change)) await this.sessions.revokeAll(manager, id);
      await this.audit.record(manager, context, {
        action: 'staff.updated',
        subject: { type: 'staff', id },
        before: { roles: member.roles, status: member.status },
        after: { roles, status, ...(change.password === undefined ? {} : { passwordChanged: true }) },
      });
    });
    return this.get(id);
  }

  /** A staff member's own new password: the current one must be right; every session they hold ends, this one too. */
  async changeOwnPassword(principal: BureauPrincipal, currentPassword: string, newPassword: string, context: AuditContext): Promise<void> {
    checkPassword(newPassword, principal.username, 'newPassword');
    const member = await this.staff.findOne({ select: { id: true, passwordHash: true }, where: { id: principal.userId } });
    if (!member || !(await verifyPassword(currentPassword, member.passwordHash))) {
      throw new DomainError('FORBIDDEN', 'The current password is wrong');
    }
    const passwordHash = await hashPassword(newPassword);
    await this.uow.run(async (manager) => {
      await manager.update(Staff, { id: member.id }, { passwordHash });
      await this.sessions.revokeAll(manager, member.id);
      await this.audit.record(manager, context, { action: 'staff.password_changed', subject: { type: 'staff', id: member.id } });
    });
  }

  /** Signs a staff member in: a bureau token naming a new session. A disabled account is refused like a wrong password. */
  async login(username: string, password: string, requestId?: string): Promise<IssuedSession> {
    const member = await this.staff.findOne({
      select: { id: true, username: true, roles: true, status: true, passwordHash: true },
      where: { username },
    });
    const valid = await verifyPassword(password, member?.passwordHash ?? DUMMY_HASH);
    if (!member || !valid || member.status !== 'active') throw unauthenticated('Wrong username or password');
    const session = await this.uow.run(async (manager) => {
      const opened = await this.sessions.open(manager, member.id);
      await this.audit.record(
        manager,
        { actor: { type: 'staff', id: member.id, name: member.username }, requestId },
        { action: 'staff.logged_in', subject: { type: 'staff', id: member.id }, after: { sessionId: opened.id } },
      );
      return opened;
    });
    return {
      accessToken: signToken(
        { role: 'bureau', userId: member.id, username: member.username, staffRoles: member.roles, sessionId: session.id },
        this.config.authJwtSecret,
        session.ttlSeconds,
      ),
      expiresIn: session.ttlSeconds,
    };
  }

  /** Ends the session the caller's token names. */
  async logout(principal: BureauPrincipal, context: AuditContext): Promise<void> {
    await this.uow.run(async (manager) => {
      await this.sessions.revoke(manager, principal.sessionId);
      await this.audit.record(manager, context, {
        action: 'staff.logged_out',
        subject: { type: 'staff', id: principal.userId },
        before: { sessionId: principal.sessionId },
      });
    });
  }

  /** Creates the first admin from configuration, with every role, when no account has that username yet. */
  async onApplicationBootstrap(): Promise<void> {
    const username = this.config.bureauAdminUsername;
    if (await this.staff.existsBy({ username })) return;
    const password = this.config.bureauAdminPassword ?? generatePassword();
    const created = await this.insertIfAbsent(
      { username, displayName: username, roles: [...STAFF_ROLES], password },
      systemAuditContext('bootstrap'),
    );
    if (!created) return; // another process created it first
    this.logger.log(`created the first bureau admin "${username}"`);
    if (!this.config.bureauAdminPassword) {
      // Printed once to the console, deliberately not through the logger: it must not reach log storage.
      process.stdout.write(
        `\n  Bureau login created: username "${username}", password "${password}"\n  (shown only now; set BUREAU_ADMIN_PASSWORD to choose it)\n\n`,
      );
    }
  }

  /** Creates an account unless the username exists (start-up, demo seeding): whether it did. */
  async insertIfAbsent(input: NewStaff, context: AuditContext): Promise<boolean> {
    try {
      await this.create(input, context);
      return true;
    } catch (error) {
      if (error instanceof DomainError && error.code === 'CONFLICT') return false;
      throw error;
    }
  }
}
