import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { SETTLEMENT_QUEUE } from '../queues/queues';
import { MetricsService } from './metrics.service';

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed'] as const;

/** Feeds the settlement queue's job counts to the queue-depth gauge at scrape time. */
@Injectable()
export class SettlementQueueDepth implements OnModuleInit {
  constructor(
    @InjectQueue(SETTLEMENT_QUEUE) private readonly queue: Queue,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.metrics.setSettlementQueueDepthSource(() => this.queue.getJobCounts(...STATES));
  }
}
