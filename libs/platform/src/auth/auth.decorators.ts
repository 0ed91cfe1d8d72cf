import { SetMetadata, createParamDecorator } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import type { Principal, Role } from './principal';

export const PUBLIC_ROUTE = 'auth:public';
export const REQUIRED_ROLES = 'auth:roles';

/** No token needed (health probes, the signup, the dashboard's static page). Everything else needs one. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/** A token with at least one of these roles; without the decorator any valid token will do. */
export const RequireRoles = (...roles: [Role, ...Role[]]): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_ROLES, roles);

export interface AuthenticatedRequest {
  principal?: Principal;
}

/** The verified caller of a route that is not @Public. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('@Caller() used on a route without a verified token (a @Public route?)');
  return principal;
});
