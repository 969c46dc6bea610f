import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The one Prometheus registry. Modules record what happens through the named metrics here,
 * so every figure has one definition; GET /metrics exposes them.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequestDuration = new Histogram({
    name: 'juhui_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly claims = new Counter({
    name: 'juhui_claims_total',
    help: 'Claim attempts by outcome (created, SOLD_OUT, ALREADY_CLAIMED, ROUND_NOT_OPEN, …)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly redemptions = new Counter({
    name: 'juhui_redemptions_total',
    help: 'Redemption attempts by outcome (created, replayed, VOUCHER_ALREADY_REDEEMED, …)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly redemptionReversals = new Counter({
    name: 'juhui_redemption_reversals_total',
    help: 'Redemption reversal attempts by outcome (reversed, replayed, REVERSAL_NOT_ALLOWED, …)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly settlementJobs = new Counter({
    name: 'juhui_settlement_jobs_total',
    help: 'Settlement jobs by outcome (completed, failed, retried)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** Jobs in the settlement queue by state, read from BullMQ on every scrape. */
  readonly settlementQueueDepth = new Gauge({
    name: 'juhui_settlement_queue_jobs',
    help: 'Jobs in the settlement queue by state (waiting, active, delayed, failed, …), read at scrape time',
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: async () => {
      const counts = await this.queueDepthSource?.().catch(() => undefined);
      if (!counts) return; // no queue, or Redis away: expose nothing rather than stale zeros
      for (const [state, jobs] of Object.entries(counts)) this.settlementQueueDepth.set({ state }, jobs);
    },
  });

  private queueDepthSource?: () => Promise<Record<string, number>>;

  /** The owner of the settlement queue tells how to count its jobs. */
  setSettlementQueueDepthSource(source: () => Promise<Record<string, number>>): void {
    this.queueDepthSource = source;
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'juhui_' });
  }
}
