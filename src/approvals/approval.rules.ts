import type { AuditActor } from '../audit/audit.types';
import { DomainError } from '../common/errors/domain-error';
import type { ApprovalStatus } from './approval.entity';

export type Decision = 'approve' | 'reject';

/**
 * Whether a change must wait for a second staff member. Under the four-eyes rule every staff
 * member's request does; the system's own work (seeding the demo programme) is no person's
 * decision to check, and acts at once, as everything does with the rule off.
 */
export function requiresApproval(fourEyes: boolean, actor: AuditActor): boolean {
  return fourEyes && actor.type === 'staff';
}

/**
 * Why `deciderId` may not make this decision, or undefined when they may. Only a pending
 * request is decided, once. Under the four-eyes rule its requester may not approve it, but may
 * reject (withdraw) it: a rejection changes nothing, and withdrawing a mistaken request
 * should not need a colleague. With the rule off, one person may do both.
 */
export function decisionRefusal(
  approval: { status: ApprovalStatus; requestedById: string },
  decision: Decision,
  deciderId: string,
  fourEyes: boolean,
): DomainError | undefined {
  if (approval.status !== 'pending') return new DomainError('INVALID_STATE', `This request was ${approval.status} already`);
  if (decision === 'approve' && fourEyes && approval.requestedById === deciderId) {
    return new DomainError('FOUR_EYES_REQUIRED', 'A request must be approved by a staff member other than the one who made it');
  }
  return undefined;
}
