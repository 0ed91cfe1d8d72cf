import { randomBytes } from 'node:crypto';
import { PlatformUnderTest, mailsTo, uniqueName, waitFor } from '@kafka-platform/testing';
import type { ServiceName } from '@kafka-platform/testing';
import { OtlpReceiver, SPAN_KIND } from './support/otlp-receiver';
import type { ReceivedSpan } from './support/otlp-receiver';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/**
 * One sign-up as one trace across the three service processes, exported over OTLP as production would export it
 * (configured only by OTEL_* variables) to a receiver in this test.
 */
describe('tracing: one sign-up is one trace across the three services', () => {
  let receiver: OtlpReceiver;
  let platform: PlatformUnderTest;

  beforeAll(async () => {
    receiver = await new OtlpReceiver().start();
    platform = await PlatformUnderTest.start({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        // Batches go out every 100 ms instead of every 5 s: the test waits for spans, not for the batch timer.
        OTEL_BSP_SCHEDULE_DELAY: '100',
        // The request's log line is an info line.
        LOG_LEVEL: 'info',
      },
    });
  }, 120_000);
  afterAll(async () => {
    await platform?.close();
    await receiver?.close();
  });

  it('from POST /users, with the caller’s traceparent, to the welcome mail and the dashboard projection', async () => {
    const traceId = hex(16);
    const callerSpanId = hex(8);
    const email = `${uniqueName('traced')}@example.com`;
    const response = await fetch(`${platform.services['user-service'].url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${callerSpanId}-01` },
      body: JSON.stringify({ email, name: 'Traced User', locale: 'fr' }),
    });
    expect(response.status).toBe(201);
    await waitFor('the welcome mail', async () => (await mailsTo([email])).length === 1);
    await waitFor('the dashboard to count the user', async () => {
      const stats = await platform.json<{ totalUsers: number }>('dashboard-service', '/api/stats');
      return stats.totalUsers === 1;
    });

    const spans = await waitFor('the trace’s spans from all three services', () => {
      const trace = receiver.trace(traceId);
      const has = (service: string, test: (span: ReceivedSpan) => boolean) =>
        trace.some((span) => span.service === service && test(span));
      return (
        has('user-service', (span) => span.kind === SPAN_KIND.producer) &&
        has('email-service', (span) => span.name === 'smtp send') &&
        has('email-service', (span) => span.kind === SPAN_KIND.consumer) &&
        has('dashboard-service', (span) => span.kind === SPAN_KIND.consumer) &&
        trace
      );
    });
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const ancestors = (span: ReceivedSpan): ReceivedSpan[] => {
      const parent = byId.get(span.parentSpanId);
      return parent ? [parent, ...ancestors(parent)] : [];
    };
    const one = (description: string, test: (span: ReceivedSpan) => boolean): ReceivedSpan => {
      const found = spans.filter(test);
      if (found.length !== 1) {
        const summary = spans.map(
          (span) => `${span.service} ${span.kind} ${span.name} ${span.spanId}<-${span.parentSpanId}`,
        );
        throw new Error(`expected one ${description}, found ${found.length} in:\n${summary.join('\n')}`);
      }
      return found[0] as ReceivedSpan;
    };

    expect(new Set(spans.map((span) => span.service))).toEqual(
      new Set(['user-service', 'email-service', 'dashboard-service']),
    );

    // The request's server span continues the caller's trace.
    const server = one('HTTP server span', (span) => span.service === 'user-service' && span.kind === SPAN_KIND.server);
    expect(server.parentSpanId).toBe(callerSpanId);
    expect(server.name).toBe('POST /users');

    // The outbox write happens inside the request (Express' route handler span may stand between them).
    const write = one('outbox write', (span) => span.name === 'outbox write new_user');
    expect(ancestors(write)).toContainEqual(server);
    expect(write.attributes['messaging.destination.name']).toBe(platform.topic);

    // The relay's send, later and in another loop, descends from the write through the row's traceparent.
    // (The sign-up's other producer span sends the user's data key to user-keys: crypto-shredding.)
    const send = one(
      'producer span on user-events',
      (span) => span.kind === SPAN_KIND.producer && span.name === `send ${platform.topic}`,
    );
    expect(send).toMatchObject({ service: 'user-service', name: `send ${platform.topic}`, parentSpanId: write.spanId });
    expect(send.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': platform.topic,
      'messaging.message.id': write.attributes['messaging.message.id'],
    });
    expect(send.attributes['messaging.destination.partition.id']).toEqual(expect.any(String));
    expect(send.attributes['messaging.kafka.offset']).toBeDefined();

    // Each group's consumer span: a child of the producer span, and linked to it.
    for (const service of ['email-service', 'dashboard-service']) {
      const process = one(
        `${service} consumer span`,
        (span) => span.service === service && span.kind === SPAN_KIND.consumer,
      );
      expect(process).toMatchObject({ name: `process ${platform.topic}`, parentSpanId: send.spanId, status: 0 });
      expect(process.links).toContainEqual({ traceId, spanId: send.spanId });
      expect(process.attributes['messaging.consumer.group.name']).toBe(platform.group(service as 'email-service'));
    }
    const emailProcess = one(
      'email consumer span',
      (span) => span.service === 'email-service' && span.kind === SPAN_KIND.consumer,
    );

    // What the email-service does while handling it: its queries and the SMTP send are below its consumer span.
    const smtp = one('SMTP span', (span) => span.name === 'smtp send');
    expect(smtp.kind).toBe(SPAN_KIND.client);
    expect(ancestors(smtp)).toContainEqual(emailProcess);
    const emailQueries = spans.filter(
      (span) => span.service === 'email-service' && span.attributes['db.system.name'] === 'postgresql',
    );
    expect(emailQueries.length).toBeGreaterThan(0);
    for (const query of emailQueries) expect(ancestors(query)).toContainEqual(emailProcess);

    // Log lines written inside a span carry its trace and span ids: the request's line, the mail's line.
    const linesOf = (service: ServiceName) =>
      platform.services[service]
        .logs()
        .split('\n')
        .filter((line) => line.includes(`"trace_id":"${traceId}"`))
        .map((line) => JSON.parse(line) as { message: string; span_id: string });
    expect(linesOf('user-service')).toContainEqual(
      expect.objectContaining({ message: 'request completed', span_id: server.spanId }),
    );
    expect(linesOf('email-service')).toContainEqual(
      expect.objectContaining({ message: expect.stringMatching(/^sent welcome mail/), span_id: emailProcess.spanId }),
    );
  });
});
