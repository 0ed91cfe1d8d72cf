import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createTransport } from 'nodemailer';
import { MAIL_CONFIG } from './mail-config';
import type { MailConfig } from './mail-config';
import type { MailTransport, OutgoingMail } from './mail-transport';
import { smtpFailure } from './smtp-failure';

/** SMTP through a small pool of reused connections, so a burst of sign-ups does not open one per mail. */
@Injectable()
export class NodemailerTransport implements MailTransport, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Mail');
  private readonly transporter;

  constructor(@Inject(MAIL_CONFIG) private readonly config: MailConfig) {
    this.transporter = createTransport(
      {
        pool: true,
        maxConnections: 5,
        host: config.host,
        port: config.port,
        secure: config.secure,
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

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
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
  }

  async verify(): Promise<void> {
    try {
      await this.transporter.verify();
    } catch (error) {
      throw smtpFailure(error);
    }
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
