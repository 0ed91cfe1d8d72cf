import { exportsTraces, telemetryConfig } from './telemetry';

describe('telemetry config', () => {
  it('exports spans only when an exporter or an OTLP endpoint is configured', () => {
    expect(exportsTraces({})).toBe(false);
    expect(exportsTraces({ OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(exportsTraces({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' })).toBe(
      false,
    );
    expect(exportsTraces({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' })).toBe(true);
    expect(exportsTraces({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://jaeger:4318/v1/traces' })).toBe(true);
    expect(exportsTraces({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(exportsTraces({ OTEL_TRACES_EXPORTER: 'otlp, console' })).toBe(true);
  });

  it('still makes spans without an exporter (for trace ids in logs and traceparent headers), exporting none', () => {
    const config = telemetryConfig('email-service', {});
    expect(config.spanProcessors).toHaveLength(1);
    expect(config.spanProcessors?.[0]?.constructor.name).toBe('NoopSpanProcessor');
    // With an exporter configured the SDK builds its processors from OTEL_* itself.
    expect(telemetryConfig('email-service', { OTEL_TRACES_EXPORTER: 'otlp' }).spanProcessors).toBeUndefined();
  });

  it("names the service by its own name unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES' service.name does", () => {
    expect(telemetryConfig('email-service', {}).serviceName).toBe('email-service');
    expect(telemetryConfig('email-service', { OTEL_SERVICE_NAME: 'mailer' }).serviceName).toBeUndefined();
    expect(
      telemetryConfig('email-service', { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.name=mailer' })
        .serviceName,
    ).toBeUndefined();
    expect(
      telemetryConfig('email-service', { OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=platform' }).serviceName,
    ).toBe('email-service');
  });

  it('traces HTTP, Express route handlers and PostgreSQL, and nothing but traces', () => {
    const config = telemetryConfig('user-service', {});
    expect(config.instrumentations?.map((instrumentation) => instrumentation.constructor.name)).toEqual([
      'HttpInstrumentation',
      'ExpressInstrumentation',
      'PgInstrumentation',
    ]);
    expect(config.metricReaders).toEqual([]);
    expect(config.logRecordProcessors).toEqual([]);
  });
});
