import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { notFound } from '../common/errors/domain-error';
import { DashboardAssets } from './dashboard.assets';

// ECharts writes inline styles into its tooltips, hence 'unsafe-inline' for styles only.
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/**
 * The bureau's dashboard page. The page and its scripts are public and hold no data: the
 * page shows a login form, signs in through POST /api/v1/auth/login and reads every figure
 * from the bureau-only statistics API with the token it got, so nothing is visible without
 * bureau credentials and the JSON API keeps accepting only Authorization headers.
 */
@ApiExcludeController()
@Public()
@Controller('dashboard')
export class DashboardController {
  constructor(private readonly assets: DashboardAssets) {}

  @Get()
  @Header('Cache-Control', 'no-cache')
  page(@Res() reply: FastifyReply): void {
    this.send(reply, 'index.html');
  }

  @Get('assets/:name')
  @Header('Cache-Control', 'no-cache')
  asset(@Param('name') name: string, @Res() reply: FastifyReply): void {
    if (name === 'index.html') throw notFound('asset', name);
    this.send(reply, name);
  }

  private send(reply: FastifyReply, name: string): void {
    this.assets.send(reply, name, CONTENT_SECURITY_POLICY);
  }
}
