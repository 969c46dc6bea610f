import { Body, Controller, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentAuditContext } from '../audit/audit-context';
import type { AuditContext } from '../audit/audit.types';
import { CurrentPrincipal, Public, Roles } from '../auth/auth.decorators';
import type { BureauPrincipal } from '../auth/principal';
import { clearedSessionCookie, sessionCookie } from '../auth/session-cookie';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { ChangePasswordDto } from './dto/staff.dto';
import { LoginDto } from './dto/login.dto';
import { StaffService } from './staff.service';

/** The cookie is Secure when the browser reached us over TLS (directly, or through a TRUST_PROXY proxy saying so). */
const overTls = (request: FastifyRequest): boolean => request.protocol === 'https';

@ApiTags('auth')
@Controller('auth')
export class StaffAuthController {
  constructor(private readonly staff: StaffService) {}

  /**
   * Bureau staff sign in; the answer's accessToken is a bureau JWT naming a new session. The
   * same token is set as an HttpOnly session cookie for the queue board.
   */
  @Public()
  @RateLimit('auth.login.ip', 'auth.login.username')
  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async login(@Body() body: LoginDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const session = await this.staff.login(body.username, body.password, request.id);
    void reply.header('set-cookie', sessionCookie(session.accessToken, session.expiresIn, overTls(request)));
    return session;
  }

  /** Ends the session of the token in use (and clears the cookie); the caller's other sessions stay. */
  @Roles('staff')
  @Post('logout')
  @HttpCode(204)
  async logout(
    @CurrentPrincipal() principal: BureauPrincipal,
    @CurrentAuditContext() context: AuditContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    await this.staff.logout(principal, context);
    void reply.header('set-cookie', clearedSessionCookie(overTls(request)));
  }

  /** A staff member's own new password. Every session they hold ends, this one too: sign in again. */
  @Roles('staff')
  @RateLimit('auth.password.staff')
  @Post('password')
  @HttpCode(204)
  async changePassword(
    @CurrentPrincipal() principal: BureauPrincipal,
    @Body() body: ChangePasswordDto,
    @CurrentAuditContext() context: AuditContext,
  ) {
    await this.staff.changeOwnPassword(principal, body.currentPassword, body.newPassword, context);
  }
}
