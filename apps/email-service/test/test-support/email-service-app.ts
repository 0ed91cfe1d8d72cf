// In-process email-service on the real stack, isolated from parallel suites: its own Kafka namespace (topics,
// groups, DLQs) and its own throw-away database. Mail goes to the shared SMTP sink; tests find theirs by address.
import { KAFKA_CONFIG, namespaced } from '@kafka-platform/kafka';
import type { KafkaConfig } from '@kafka-platform/kafka';
import { createServiceApp } from '@kafka-platform/platform';
import { startIsolatedApp, uniqueName } from '@kafka-platform/testing';
import type { IsolatedApp } from '@kafka-platform/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { EmailServiceModule } from '../../src/email-service.module';

export type EmailServiceUnderTest = IsolatedApp<NestExpressApplication>;

/** `overrides` replace single env values, e.g. SMTP_PORT for an SMTP outage. */
export const startEmailService = (overrides: NodeJS.ProcessEnv = {}): Promise<EmailServiceUnderTest> =>
  startIsolatedApp('email_service', () => createServiceApp(EmailServiceModule), overrides);

export const uniqueAddress = (prefix: string): string => `${uniqueName(prefix)}@example.com`;

/** The DLQ of the email-service group on the app's namespaced user-events topic. */
export function deadLetterTopic(app: NestExpressApplication): string {
  const { topics } = app.get<KafkaConfig>(KAFKA_CONFIG);
  return `${namespaced(topics.namespace, 'user-events')}.email-service.dlq`;
}
