import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { notFound } from '../common/errors/domain-error';
import { PagesAssets } from './pages.assets';

/**
 * Same-origin scripts, styles and API calls only; QR codes are data: images and the
 * camera's frames blob:/MediaStream, so nothing inline can run and nothing leaves for
 * another site.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The resident's wallet and the merchant's cashier page. Like the dashboard, the pages and
 * their scripts are public and hold no data: they call the JSON API (/api/v1) with the
 * resident's token or the merchant's key, so every rule stays in the API.
 */
@ApiExcludeController()
@Public()
@Controller()
export class PagesController {
  constructor(private readonly assets: PagesAssets) {}

  @Get('wallet')
  @Header('Cache-Control', 'no-cache')
  wallet(@Res() reply: FastifyReply): void {
    // The wallet never needs the camera.
    this.assets.send(reply, 'wallet.html', CONTENT_SECURITY_POLICY, { 'Permissions-Policy': 'camera=()' });
  }

  @Get('cashier')
  @Header('Cache-Control', 'no-cache')
  cashier(@Res() reply: FastifyReply): void {
    // The cashier scans vouchers' QR codes with this page's own camera access only.
    this.assets.send(reply, 'cashier.html', CONTENT_SECURITY_POLICY, { 'Permissions-Policy': 'camera=(self)' });
  }

  /** Each page has one address; its HTML is not served again as an asset. */
  @Get('pages/assets/:name')
  @Header('Cache-Control', 'no-cache')
  asset(@Param('name') name: string, @Res() reply: FastifyReply): void {
    if (name.endsWith('.html')) throw notFound('asset', name);
    this.assets.send(reply, name, CONTENT_SECURITY_POLICY);
  }
}
