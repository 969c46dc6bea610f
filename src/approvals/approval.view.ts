import type { Approval } from './approval.entity';

export function toApprovalView(approval: Approval) {
  return {
    id: approval.id,
    kind: approval.kind,
    subject: { type: approval.subjectType, id: approval.subjectId },
    change: approval.change,
    requestedBy: { id: approval.requestedById, name: approval.requestedByName },
    status: approval.status,
    decidedBy: approval.decidedById === null ? null : { id: approval.decidedById, name: approval.decidedByName },
    decidedAt: approval.decidedAt,
    note: approval.note,
    createdAt: approval.createdAt,
    updatedAt: approval.updatedAt,
  };
}
