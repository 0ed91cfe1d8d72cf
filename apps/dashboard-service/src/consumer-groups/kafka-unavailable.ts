import { ServiceUnavailableException } from '@nestjs/common';

/** A failed admin call as the API reports it: 503 with a stable code, worth retrying. */
export function kafkaUnavailable(error: unknown): ServiceUnavailableException {
  return new ServiceUnavailableException({
    statusCode: 503,
    error: 'Service Unavailable',
    message: `Kafka did not answer: ${(error as Error).message}`,
    code: 'KAFKA_UNAVAILABLE',
    retryable: true,
  });
}
