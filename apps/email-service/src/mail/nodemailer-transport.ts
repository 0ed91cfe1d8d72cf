import { DependencyHealth, traced } from '@kafka-platform/kafka';
import { SpanKind } from '@opentelemetry/api';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createTransport } from 'nodemailer';
import { MAIL_CONFIG } from './mail-config';
import type { MailConfig } from './mail-config';
import type { MailTransport, OutgoingMail } from './mail-transport';
import { smtpFailure } from './smtp-failure';

/** SMTP through a small pool of reused connections, so a burst of sign-ups does not open one per mail. */
@Injectable()
export class NodemailerTransport implements MailTransport, OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Mail');
  private readonly transporter;

  constructor(
    @Inject(MAIL_CONFIG) private readonly config: MailConfig,
    private readonly dependencies: DependencyHealth,
  ) {
    this.transporter = createTransport(
      {
        pool: true,
        maxConnections: 5,
        host: config.host,
        port: config.port,
        secure: config.secure,
        // STARTTLS or nothing (mail-config.ts says when): never the login, or the mail, in clear text.
        requireTLS: config.requireTls,
        // The certificate is always verified (nodemailer's default); a pinned CA replaces the system's.
        ...(config.ca && { tls: { ca: config.ca } }),
        ...(config.auth && { auth: config.auth }),
        // Bounded waits: a hung server turns into a retry instead of holding the partition (and the inbox
        // transaction) open; the consumer's backoff decides when to try again.
        connectionTimeout: 5_000,
        greetingTimeout: 5_000,
        socketTimeout: 10_000,
      },
      { from: config.from },
    );
  }

  /** A CLIENT span per mail (nodemailer has no instrumentation of its own), a child of the consumed event's. */
  send(mail: OutgoingMail): Promise<{ messageId: string }> {
    const attributes = {
      'server.address': this.config.host,
      'server.port': this.config.port,
      'network.protocol.name': 'smtp',
    };
    return traced('smtp send', { kind: SpanKind.CLIENT, attributes }, async () => {
      try {
        const info = await this.transporter.sendMail({
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: mail.messageId,
          ...(mail.language && { headers: { 'Content-Language': mail.language } }),
        });
        return { messageId: info.messageId };
      } catch (error) {
        throw smtpFailure(error);
      }
    });
  }

  async verify(): Promise<void> {
    try {
      await this.transporter.verify();
    } catch (error) {
      throw smtpFailure(error);
    }
  }

  /** The SMTP server is a dependency: while it does not answer, failing mails wait instead of being dead-lettered. */
  onModuleInit(): void {
    this.dependencies.register('smtp', () => this.verify());
  }

  /** An early hint in the log; not a start condition, since mail waits in Kafka until the server is back. */
  onApplicationBootstrap(): void {
    this.verify().then(
      () => this.logger.log(`SMTP server ${this.config.host}:${this.config.port} reachable`),
      (error: Error) =>
        this.logger.warn(`SMTP server ${this.config.host}:${this.config.port} not usable yet: ${error.message}`),
    );
  }

  onApplicationShutdown(): void {
    this.transporter.close();
  }
}
