import type { IncomingMessage, ServerResponse } from 'node:http';
import { ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PUBLIC_ROUTE, REQUIRED_ROLES } from './auth.decorators';
import type { AuthenticatedRequest } from './auth.decorators';
import type { Role } from './principal';
import { InvalidTokenError, TokenVerifier } from './token-verifier';

const BEARER = /^Bearer ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*\.[A-Za-z0-9\-_]*)$/;

/**
 * The platform's one access rule, applied to every HTTP route: a valid bearer token from the configured issuer,
 * and one of the route's roles if it names any. A route is public only by saying so (@Public).
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<IncomingMessage & AuthenticatedRequest>();
    const response = http.getResponse<ServerResponse>();

    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (!token) throw challenge(response, 'A bearer token is required (Authorization: Bearer <access token>)');
    try {
      request.principal = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw challenge(response, error.message, 'invalid_token');
      throw error; // the provider is unreachable: 503 through DependencyUnavailableFilter, not a 401
    }

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    if (roles && !roles.some((role) => request.principal?.roles.has(role))) {
      response.setHeader('www-authenticate', `Bearer error="insufficient_scope"`);
      throw new ForbiddenException(`This needs the role ${roles.join(' or ')}`);
    }
    return true;
  }
}

// RFC 6750: a 401 says how to authenticate; an invalid token also says why, for the client's developer.
function challenge(response: ServerResponse, message: string, error?: 'invalid_token'): UnauthorizedException {
  const detail = error ? `, error="${error}", error_description="${message.replace(/"/g, "'")}"` : '';
  response.setHeader('www-authenticate', `Bearer realm="api"${detail}`);
  return new UnauthorizedException(message);
}
