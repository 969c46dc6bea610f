import { Module } from '@nestjs/common';
import { AUDIT_QUEUE, registerQueue } from '../queues/queues';
import { AuditModule } from './audit.module';
import { AuditProcessor } from './audit.processor';

/** The background half of the audit log (only where the worker runs): checkpoints and daily seals on a schedule. */
@Module({
  imports: [AuditModule, registerQueue(AUDIT_QUEUE)],
  providers: [AuditProcessor],
})
export class AuditWorkerModule {}
