import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { unauthenticated } from '../common/errors/domain-error';
import type { Principal, Role } from './principal';

export const PUBLIC_ROUTE = 'auth:public';
export const ALLOWED_ROLES = 'auth:roles';

/** No token needed. A token that is sent is still verified, and a bad one is refused. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

export const OWN_CREDENTIAL = 'auth:own-credential';

/** Public, and the Authorization header is the route's own (e.g. /metrics' scrape token), not a caller's token or key. */
export const PublicWithOwnCredential = (): MethodDecorator & ClassDecorator => applyDecorators(Public(), SetMetadata(OWN_CREDENTIAL, true));

/** Only these roles may call the route (every non-public route must say which). */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ALLOWED_ROLES, roles);

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** The verified caller; on a @Public() route it may be undefined. */
export const CurrentPrincipal = createParamDecorator((optional: 'optional' | undefined, context: ExecutionContext) => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal && optional !== 'optional') throw unauthenticated();
  return principal;
});
