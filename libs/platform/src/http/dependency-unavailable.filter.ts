import type { ServerResponse } from 'node:http';
import { classifyError } from '@kafka-platform/kafka';
import { Catch, HttpException, Logger } from '@nestjs/common';
import type { ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';

/** Seconds a client is asked to wait before trying again while a dependency is down. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * A request that failed because a dependency is unavailable (the database restarting, a connection refused or
 * lost) is the server's temporary state, not a bug and not the client's fault: 503 with a stable code and
 * Retry-After, so clients and load balancers back off and try again. Everything else goes to Nest's handling.
 */
@Catch()
export class DependencyUnavailableFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('HTTP');

  override catch(exception: unknown, host: ArgumentsHost): void {
    const failure = exception instanceof HttpException ? undefined : classifyError(exception);
    if (failure?.kind !== 'transient' || host.getType() !== 'http') return super.catch(exception, host);
    this.logger.warn(`answered 503: a dependency is unavailable (${failure.code}): ${failure.message}`);
    const response = host.switchToHttp().getResponse<ServerResponse>();
    response.statusCode = 503;
    response.setHeader('content-type', 'application/json; charset=utf-8');
    response.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
    response.end(
      JSON.stringify({
        statusCode: 503,
        error: 'Service Unavailable',
        code: 'DEPENDENCY_UNAVAILABLE',
        message: `A service this request needs is unavailable; try again in ${RETRY_AFTER_SECONDS} seconds`,
        retryable: true,
      }),
    );
  }
}
