import { stopTelemetry } from '@kafka-platform/telemetry';
import { Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';

/**
 * Exports the spans still buffered when the service stops: the SDK batches them for a few seconds, and Nest ends
 * the process right after its shutdown hooks (a no-op where main never started the SDK, as in tests).
 */
@Injectable()
export class TelemetryShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return stopTelemetry();
  }
}
