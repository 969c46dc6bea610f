import { BullModule } from '@nestjs/bullmq';
import type { DynamicModule, Type } from '@nestjs/common';
import { AuditWorkerModule } from './audit/audit-worker.module';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { MetricsModule } from './metrics/metrics.module';
import { bullConnection } from './queues/queues';
import { MaintenanceModule } from './redemptions/maintenance.module';
import { RedisModule } from './redis/redis.module';
import { PendingReversalsModule } from './redemptions/pending-reversals.module';
import { SettlementWorkerModule } from './settlement/settlement-worker.module';
import { StatsCompactionModule } from './stats/stats-compaction.module';
import { WebhookDeliveryModule } from './webhooks/webhook-delivery.module';

/* The building blocks of the processes (AppModule, WorkerModule, the command-line tools). */

/** What every process stands on: configuration, PostgreSQL, Redis, BullMQ, metrics. */
export function foundationModules(config: AppConfig): Array<DynamicModule | Type> {
  return [
    ConfigModule.forRoot(config),
    DatabaseModule,
    RedisModule,
    BullModule.forRoot({ connection: bullConnection(config.redisUrl) }),
    MetricsModule,
  ];
}

/** The background work: each queue's one consumer, registering its queue's repeating jobs. */
export function backgroundModules(config: AppConfig): Array<DynamicModule | Type> {
  return [
    SettlementWorkerModule.forRoot({ jobLockSeconds: config.settlement.jobLockSeconds, deductedReversals: PendingReversalsModule }),
    MaintenanceModule,
    StatsCompactionModule,
    AuditWorkerModule,
    WebhookDeliveryModule,
  ];
}
