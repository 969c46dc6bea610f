import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { SETTLEMENT_QUEUE } from '../queues/queues';
import { MetricsService } from './metrics.service';

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed'] as const;
/** BullMQ's connection waits for Redis indefinitely; a scrape must not. */
const COUNT_TIMEOUT_MS = 1000;

/** Feeds the settlement queue's job counts to the queue-depth gauge at scrape time. */
@Injectable()
export class SettlementQueueDepth implements OnModuleInit {
  private readonly logger = new Logger(SettlementQueueDepth.name);

  constructor(
    @InjectQueue(SETTLEMENT_QUEUE) private readonly queue: Queue,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    // Redis outages are reported by /health/ready; here they only mean no figure this scrape.
    this.queue.on('error', (error: Error) => this.logger.debug(`settlement queue: ${error.message}`));
    this.metrics.setSettlementQueueDepthSource(() => this.counts());
  }

  private counts(): Promise<Record<string, number>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('settlement queue counts timed out')), COUNT_TIMEOUT_MS);
    });
    return Promise.race([this.queue.getJobCounts(...STATES), timeout]).finally(() => clearTimeout(timer));
  }
}
