export { exportsTraces, startTelemetry, stopTelemetry, telemetryConfig } from './telemetry';
