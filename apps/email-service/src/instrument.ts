// main.ts imports this first: the instrumentations patch http, express and pg as they are loaded, so the
// OpenTelemetry SDK starts before the service's own imports load them (libs/telemetry says what it reads).
import { startTelemetry } from '@kafka-platform/telemetry';

startTelemetry('email-service');
