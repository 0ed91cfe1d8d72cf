import type { NewUserV2 } from '@kafka-platform/events';
import type { EventEnvelope } from '@kafka-platform/kafka';
import { Inbox } from '@kafka-platform/messaging';
import type { InboxOutcome } from '@kafka-platform/messaging';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { MAIL_TRANSPORT } from '../mail/mail-transport';
import type { MailTransport } from '../mail/mail-transport';
import { SentEmail } from '../sent-emails/sent-email.entity';
import { WelcomeMailMetrics } from './welcome-mail.metrics';
import { renderWelcomeMail, singleLine } from './welcome-mail.template';

/** The same event always yields the same Message-ID, so a receiving system can drop a mail sent twice. */
export const messageIdFor = (eventId: string): string => `<${eventId}@kafka-platform.local>`;

@Injectable()
export class WelcomeMailService {
  private readonly logger = new Logger('WelcomeMail');

  constructor(
    private readonly inbox: Inbox,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    private readonly metrics: WelcomeMailMetrics,
  ) {}

  /**
   * Sends the welcome mail once per event: the inbox row, the sent_emails row and the send share one
   * transaction, so a failed send rolls back both and a redelivered event finds its inbox row and sends nothing.
   *
   * SMTP has no idempotency key, so one window stays: the server accepted the mail but the COMMIT did not
   * happen (crash, database gone, or a timeout waiting for the server's final reply). The event is then
   * redelivered and the mail goes out a second time, with the same Message-ID. To keep that window as short
   * as possible the database writes come first and the send comes last: only the COMMIT follows it.
   */
  async sendOnce(event: EventEnvelope<NewUserV2>): Promise<InboxOutcome> {
    const { userId, email, name, locale } = event.payload;
    const mail = renderWelcomeMail({ name, locale });
    const messageId = messageIdFor(event.id);
    let erased = false;
    const outcome = await this.inbox.handleOnce(event, async (manager) => {
      // The user was deleted before this event got here (a DLQ redrive): the address must not be used again.
      const rows: unknown[] = await manager.query(`SELECT 1 FROM erased_users WHERE user_id = $1`, [userId]);
      erased = rows.length > 0;
      if (erased) return;
      await manager.insert(SentEmail, {
        eventId: event.id,
        userId,
        recipient: email,
        subject: mail.subject,
        language: mail.language,
        messageId,
      });
      await this.transport.send({
        to: { name: singleLine(name), address: email },
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId,
        language: mail.language,
      });
    });
    if (outcome === 'handled' && erased) {
      this.logger.log(`no welcome mail for user ${userId}: the user was deleted before event ${event.id} arrived`);
    } else if (outcome === 'handled') {
      this.metrics.recordSent(mail.language);
      this.logger.log(`sent welcome mail ${messageId} (${mail.language}) for user ${userId}`);
    }
    return outcome;
  }
}
