import { Catch, HttpException } from '@nestjs/common';
import type { RpcExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { PoisonRecordError } from '../errors/platform-error';

/**
 * Hands a handler's failure back to the consumer runtime as it was thrown. Nest's default RPC filter would turn
 * every error into `{ status: 'error', message: 'Internal server error' }`, and with it lose the `retryable` flag
 * and the network and SQL codes that decide between retrying and dead-lettering.
 *
 * A rejection by the handler's own pipeline (a guard saying no, a pipe's 4xx, an RpcException) cannot pass on a
 * retry: it becomes a poison record, dead-lettered at once with its reason.
 */
@Catch()
export class EventFailureFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => (isRejection(exception) ? rejected(exception) : exception));
  }
}

function isRejection(exception: unknown): exception is HttpException | RpcException {
  if (exception instanceof RpcException) return true;
  return exception instanceof HttpException && exception.getStatus() < 500;
}

function rejected(exception: HttpException | RpcException): PoisonRecordError {
  const detail = exception instanceof HttpException ? exception.getResponse() : exception.getError();
  const reason = typeof detail === 'string' ? detail : JSON.stringify(detail);
  return new PoisonRecordError('HANDLER_REJECTED', `The handler rejected the event: ${reason}`, { cause: exception });
}
