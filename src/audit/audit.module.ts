import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AuditCheckpoint } from './audit-checkpoint.entity';
import { AuditCheckpointsService } from './audit-checkpoints.service';
import { AuditEvent } from './audit-event.entity';
import { AuditController } from './audit.controller';
import { AuditEventsService } from './audit-events.service';
import { AuditService } from './audit.service';
import { AUDIT_SIGNING_KEY, AuditSigningKey } from './audit-signing-key';
import { DailySealService } from './daily-seal.service';

/**
 * The tamper-evident audit log. Other modules import it for AuditService.record; the worker
 * (AuditWorkerModule) for the checkpoints and daily seals it makes on a schedule.
 */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEvent, AuditCheckpoint])],
  controllers: [AuditController],
  providers: [
    AuditService,
    AuditEventsService,
    AuditCheckpointsService,
    DailySealService,
    { provide: AUDIT_SIGNING_KEY, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new AuditSigningKey(config.audit.signingKey) },
  ],
  exports: [AuditService, AuditCheckpointsService, DailySealService],
})
export class AuditModule {}
