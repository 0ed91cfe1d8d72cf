import type { NewUserV3 } from '@kafka-platform/events';
import type { EventEnvelope } from '@kafka-platform/kafka';
import { AggregateVersions, Inbox } from '@kafka-platform/messaging';
import type { InboxOutcome } from '@kafka-platform/messaging';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { MAIL_TRANSPORT } from '../mail/mail-transport';
import type { MailTransport } from '../mail/mail-transport';
import { SentEmail } from '../sent-emails/sent-email.entity';
import { WelcomeMailMetrics } from './welcome-mail.metrics';
import { renderWelcomeMail, singleLine } from './welcome-mail.template';

/** The same event always yields the same Message-ID, so a receiving system can drop a mail sent twice. */
export const messageIdFor = (eventId: string): string => `<${eventId}@kafka-platform.local>`;

/** Enough for every mail of a long database outage; older entries go first (a Set iterates in insertion order). */
const ACCEPTED_UNRECORDED_LIMIT = 10_000;

@Injectable()
export class WelcomeMailService {
  private readonly logger = new Logger('WelcomeMail');
  /** Events whose mail the SMTP server accepted in a transaction that then did not commit. */
  private readonly acceptedUnrecorded = new Set<string>();

  constructor(
    private readonly inbox: Inbox,
    private readonly versions: AggregateVersions,
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
   * as possible the database writes come first and the send comes last: only the COMMIT follows it, and that
   * COMMIT does not wait for the WAL to reach the disk (synchronous_commit off for this transaction only). A
   * service killed right after the server's accept then almost never leaves the COMMIT undone; the price is a
   * commit PostgreSQL itself could lose in a crash of its own, which means the same duplicate, never a lost mail.
   *
   * When the process lives on and only the database failed (a restart between the server's accept and the COMMIT),
   * the retry of the same event records the mail without sending it again: this process remembers the accept.
   */
  async sendOnce(event: EventEnvelope<NewUserV3>): Promise<InboxOutcome> {
    const { userId, email, name, locale } = event.payload;
    const mail = renderWelcomeMail({ name, locale });
    const messageId = messageIdFor(event.id);
    let erased = false;
    const accepted = this.acceptedUnrecorded.has(event.id);
    const outcome = await this.inbox.handleOnce(event, async (manager) => {
      await manager.query(`SET LOCAL synchronous_commit TO OFF`);
      // The user was deleted before this event got here (a DLQ redrive): the address must not be used again.
      erased = (await this.versions.record(manager, event)).deleted;
      if (erased) return;
      await manager.insert(SentEmail, {
        eventId: event.id,
        userId,
        recipient: email,
        subject: mail.subject,
        language: mail.language,
        messageId,
      });
      if (accepted) return;
      await this.transport.send({
        to: { name: singleLine(name), address: email },
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId,
        language: mail.language,
      });
      this.rememberAccepted(event.id);
    });
    this.acceptedUnrecorded.delete(event.id);
    if (accepted && outcome === 'handled' && !erased) {
      this.logger.warn(
        `recorded welcome mail ${messageId} without sending it again: SMTP had accepted it before the commit failed`,
      );
    }
    if (outcome === 'handled' && erased) {
      this.logger.log(`no welcome mail for user ${userId}: the user was deleted before event ${event.id} arrived`);
    } else if (outcome === 'handled') {
      this.metrics.recordSent(mail.language);
      this.logger.log(`sent welcome mail ${messageId} (${mail.language}) for user ${userId}`);
    }
    return outcome;
  }

  private rememberAccepted(eventId: string): void {
    this.acceptedUnrecorded.add(eventId);
    if (this.acceptedUnrecorded.size > ACCEPTED_UNRECORDED_LIMIT) {
      this.acceptedUnrecorded.delete(this.acceptedUnrecorded.values().next().value as string);
    }
  }
}
