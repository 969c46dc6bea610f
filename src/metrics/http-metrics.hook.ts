import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { MetricsService } from './metrics.service';

/**
 * Records every HTTP answer's latency in `httpRequestDuration`, labelled with the route
 * pattern (`/api/v1/rounds/:id`), never the raw URL, so ids do not explode the label set.
 * A Fastify hook rather than a Nest interceptor: it also sees answers that never reach a
 * controller (401 from the guard, 429, 404, body errors).
 */
@Injectable()
export class HttpMetricsHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return; // not an HTTP application (e.g. a worker-only context)
    fastify.addHook('onResponse', (request, reply, done) => {
      this.metrics.httpRequestDuration.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }
}
