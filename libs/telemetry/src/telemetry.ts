import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace';

type Env = Readonly<Record<string, string | undefined>>;

/** Probes and scrapes every few seconds would bury the traces that matter. */
const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

let sdk: NodeSDK | undefined;

/**
 * Whether spans leave the process: an exporter was chosen (OTEL_TRACES_EXPORTER other than `none`) or an OTLP
 * endpoint given. Otherwise the SDK's own default, OTLP to localhost:4318, would log a failed export every few
 * seconds on every machine without a collector.
 */
export function exportsTraces(env: Env): boolean {
  const exporters = (env['OTEL_TRACES_EXPORTER'] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (exporters.length > 0) return exporters.some((name) => name !== 'none');
  return Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
}

/** service.name from OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES wins over the service's own name. */
function namesService(env: Env): boolean {
  return Boolean(env['OTEL_SERVICE_NAME'] || /(^|,)\s*service\.name=/.test(env['OTEL_RESOURCE_ATTRIBUTES'] ?? ''));
}

/**
 * The SDK's configuration beyond what it reads from OTEL_* itself (exporter, protocol, endpoint, headers,
 * sampler, propagators, batch timings, resource attributes).
 */
export function telemetryConfig(service: string, env: Env): Partial<NodeSDKConfiguration> {
  return {
    ...(!namesService(env) && { serviceName: service }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => QUIET_PATHS.has((request.url ?? '').split('?')[0] ?? ''),
        // Calls made outside any request or event (a readiness check's registry call) are not a trace.
        requireParentforOutgoingSpans: true,
      }),
      // Only the route handler: a span per middleware (helmet, CORS, body parser...) says nothing new.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER] }),
      // The outbox relay's polling and the LISTEN connections run outside any span and stay out of traces.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
    // Traces only: metrics are Prometheus' (/metrics), logs are JSON lines on stdout carrying the trace ids.
    metricReaders: [],
    logRecordProcessors: [],
    // Spans are still made without an exporter, so logs carry trace ids and traceparent headers continue the
    // caller's trace for the next service, which may export.
    ...(!exportsTraces(env) && { spanProcessors: [new NoopSpanProcessor()] }),
  };
}

/**
 * Starts the OpenTelemetry SDK (unless OTEL_SDK_DISABLED=true). Call it before anything requires http, express
 * or pg: the instrumentations patch those modules as they are loaded.
 */
export function startTelemetry(service: string, env: Env = process.env): void {
  if (sdk) return;
  sdk = new NodeSDK(telemetryConfig(service, env));
  sdk.start();
}

/** Exports the spans still buffered and stops the SDK: the last thing a service does when it shuts down. */
export async function stopTelemetry(): Promise<void> {
  const stopping = sdk;
  sdk = undefined;
  await stopping?.shutdown();
}
