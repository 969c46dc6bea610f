import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { forbidden, unauthenticated } from '../common/errors/domain-error';
import { ALLOWED_ROLES, AuthenticatedRequest, OWN_CREDENTIAL, PUBLIC_ROUTE } from './auth.decorators';
import { AuthService } from './auth.service';
import { isAllowed, type Role } from './principal';

function bearerCredential(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S{1,4096})\s*$/i.exec(header);
  if (!match?.[1]) throw unauthenticated('Authorization must be "Bearer <token>"');
  return match[1];
}

/**
 * The one guard, applied to every route. A route is either @Public() or names the roles
 * allowed with @Roles(); a route that says neither is refused to everyone, so forgetting
 * the decorator can never open a route.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets) ?? false;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ALLOWED_ROLES, targets);
    if (this.reflector.getAllAndOverride<boolean>(OWN_CREDENTIAL, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();

    const credential = bearerCredential(request.headers.authorization);
    if (credential) request.principal = await this.auth.authenticate(credential, request.ip);
    if (isPublic) return true;
    if (!request.principal) throw unauthenticated();
    if (!roles || !isAllowed(request.principal, roles)) throw forbidden('Your role does not allow this action');
    return true;
  }
}
