import type { AuditEvent } from './audit-event.entity';

/** An event as the API shows it (SPEC "Staff and audit"); before/after only when there are any. */
export function toAuditEventView(event: AuditEvent) {
  return {
    id: event.id,
    seq: event.seq,
    at: event.at.toISOString(),
    actor: { type: event.actorType, id: event.actorId, name: event.actorName },
    action: event.action,
    subject: { type: event.subjectType, id: event.subjectId },
    ...(event.before === null ? {} : { before: event.before }),
    ...(event.after === null ? {} : { after: event.after }),
    requestId: event.requestId,
    hash: event.hash,
    prevHash: event.prevHash,
  };
}
