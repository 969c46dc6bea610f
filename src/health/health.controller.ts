import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/auth.decorators';
import { RedisHealthIndicator } from './redis.health';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  /** The process is up (no dependency is checked). */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /**
   * The same answer to a POST, whatever its JSON body: the trivial endpoint the benchmarks
   * send their claim and redemption requests to, to measure the framework's own cost of
   * such a request (scripts/bench).
   */
  @Post('live')
  @HttpCode(200)
  liveForPost() {
    return { status: 'ok' };
  }

  /** PostgreSQL and Redis both answer; 503 SERVICE_UNAVAILABLE otherwise. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.database.pingCheck('database', { timeout: 1500 }), () => this.redis.isHealthy('redis')]);
  }
}
