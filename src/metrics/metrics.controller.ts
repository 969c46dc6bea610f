import { timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { PublicWithOwnCredential } from '../auth/auth.decorators';
import { unauthenticated } from '../common/errors/domain-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from './metrics.service';

@ApiExcludeController()
@PublicWithOwnCredential()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Prometheus text exposition; with METRICS_TOKEN set, only for a scraper that sends it. */
  @Get()
  scrape(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    if (this.config.metricsToken && !sameSecret(authorization ?? '', `Bearer ${this.config.metricsToken}`)) {
      throw unauthenticated('/metrics needs Authorization: Bearer <METRICS_TOKEN>');
    }
    // Set here, not with @Header, so a refusal keeps its JSON error body.
    void reply.header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    return this.metrics.registry.metrics();
  }
}

/** Constant-time comparison, so the token cannot be found character by character. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
