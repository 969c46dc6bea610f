import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { unauthenticated } from '../common/errors/domain-error';
import type { AuditActor, AuditContext } from './audit.types';

/** The actor a verified caller is recorded as. */
export function actorOf(principal: Principal): AuditActor {
  switch (principal.role) {
    case 'bureau':
      return { type: 'staff', id: principal.userId, name: principal.username };
    case 'merchant':
      return { type: 'merchant', id: principal.merchantId, name: principal.merchantId };
    case 'resident':
      return { type: 'resident', id: principal.residentId, name: principal.residentId };
  }
}

/** Who is making this request, for the audit events of what it changes: `@CurrentAuditContext() audit: AuditContext`. */
export const CurrentAuditContext = createParamDecorator((_: unknown, context: ExecutionContext): AuditContext => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.principal) throw unauthenticated();
  return { actor: actorOf(request.principal), requestId: request.id };
});

/** The context of a change made by one of the system's jobs (no request, no person). */
export function systemAuditContext(jobName: string): AuditContext {
  return { actor: { type: 'system', id: jobName, name: jobName } };
}
