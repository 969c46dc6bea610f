import { STAFF_ROLES } from '../auth/principal';
import { passwordProblem } from '../common/domain/password-policy';
import { endsSessions, leavesAnActiveAdmin, normaliseRoles } from './staff.rules';

describe('staff rules', () => {
  it('accepts passwords of at least 12 characters that are not the username', () => {
    expect(passwordProblem('correct horse battery', 'alice')).toBeUndefined();
    expect(passwordProblem('十二个汉字的密码短语足够长了', 'alice')).toBeUndefined();
    expect(passwordProblem('short-pass1', 'alice')).toBe('must be at least 12 characters');
    expect(passwordProblem('finance.clerk', 'finance.clerk')).toBe('must not be the username');
    expect(passwordProblem('Finance.Clerk ', 'finance.clerk')).toBe('must not be the username');
    expect(passwordProblem('x'.repeat(257), 'alice')).toBe('must be at most 256 characters');
  });

  it('stores roles in one order, each once', () => {
    expect(normaliseRoles(['auditor', 'admin', 'auditor'], STAFF_ROLES)).toEqual(['admin', 'auditor']);
  });

  it('keeps at least one active admin', () => {
    const admin = { id: 'a', roles: ['admin'] as const, status: 'active' as const };
    const other = { id: 'b', roles: ['admin', 'finance'] as const, status: 'active' as const };
    expect(leavesAnActiveAdmin([admin], { ...admin, status: 'disabled' })).toBe(false);
    expect(leavesAnActiveAdmin([admin], { ...admin, roles: ['operator'] })).toBe(false);
    expect(leavesAnActiveAdmin([admin, other], { ...admin, status: 'disabled' })).toBe(true);
    expect(leavesAnActiveAdmin([admin], { id: 'c', roles: ['finance'], status: 'disabled' })).toBe(true);
  });

  it('ends sessions on a new password or a disabled account, not on a role change', () => {
    expect(endsSessions({ password: 'a new password!' })).toBe(true);
    expect(endsSessions({ status: 'disabled' })).toBe(true);
    expect(endsSessions({ status: 'active' })).toBe(false);
    expect(endsSessions({})).toBe(false);
  });
});
