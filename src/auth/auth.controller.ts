import { Body, Controller, Header, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { Public } from './auth.decorators';
import { AuthService } from './auth.service';
import { LoginDto } from './dto/login.dto';
import { sessionCookie } from './session-cookie';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Bureau staff sign in; the answer's accessToken is a bureau JWT. The same token is set
   * as an HttpOnly session cookie for the operations pages (dashboard, queue board).
   */
  @Public()
  @RateLimit('auth.login.ip')
  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async login(@Body() body: LoginDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const session = await this.auth.login(body.username, body.password);
    void reply.header('set-cookie', sessionCookie(session.accessToken, session.expiresIn, this.config.nodeEnv === 'production'));
    return session;
  }
}
