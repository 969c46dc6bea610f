import type { AuditActor } from '../audit/audit.types';
import { decisionRefusal, requiresApproval } from './approval.rules';

const staff: AuditActor = { type: 'staff', id: 's1', name: 'alice' };
const system: AuditActor = { type: 'system', id: 'demo-seed', name: 'demo-seed' };
const pending = { status: 'pending' as const, requestedById: 's1' };

describe('approval rules', () => {
  it('holds staff changes for approval only under the four-eyes rule, and never the system’s own', () => {
    expect(requiresApproval(true, staff)).toBe(true);
    expect(requiresApproval(false, staff)).toBe(false);
    expect(requiresApproval(true, system)).toBe(false);
  });

  it('refuses the requester as approver under the four-eyes rule, and lets another staff member approve', () => {
    expect(decisionRefusal(pending, 'approve', 's1', true)?.code).toBe('FOUR_EYES_REQUIRED');
    expect(decisionRefusal(pending, 'approve', 's2', true)).toBeUndefined();
  });

  it('lets one person request and approve with the rule off', () => {
    expect(decisionRefusal(pending, 'approve', 's1', false)).toBeUndefined();
  });

  it('lets the requester withdraw their own request', () => {
    expect(decisionRefusal(pending, 'reject', 's1', true)).toBeUndefined();
  });

  it('decides a request once', () => {
    for (const status of ['approved', 'rejected'] as const) {
      for (const decision of ['approve', 'reject'] as const) {
        expect(decisionRefusal({ status, requestedById: 's1' }, decision, 's2', true)?.code).toBe('INVALID_STATE');
      }
    }
  });
});
