import { RequireRoles, Role, newestFirstPage } from '@kafka-platform/platform';
import type { KeysetPage } from '@kafka-platform/platform';
import { Controller, Get, Query } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { SentEmail } from '../sent-emails/sent-email.entity';
import { ListEmailsQuery } from './list-emails.query';

export interface SentEmailView {
  readonly id: string;
  readonly eventId: string;
  readonly userId: string;
  /** null once the user was deleted. */
  readonly recipient: string | null;
  readonly subject: string | null;
  readonly language: string;
  readonly messageId: string;
  readonly sentAt: string;
  readonly erasedAt: string | null;
}

/** The order of GET /emails; the sent_emails_sent_at index (sent_at DESC, id DESC) serves it. */
const NEWEST_FIRST = { time: 'sent_at', id: 'id' };

@Controller('emails')
export class ListEmailsController {
  constructor(@InjectRepository(SentEmail) private readonly emails: Repository<SentEmail>) {}

  /**
   * The welcome mails sent, newest first, a page at a time (keyset: `after` is the previous page's nextCursor);
   * bounded, since the table only grows, and without a total, which would read all of it.
   */
  @Get()
  // Recipients and subjects of every user: operators only.
  @RequireRoles(Role.Admin)
  async list(@Query() { limit, after }: ListEmailsQuery): Promise<KeysetPage<SentEmailView>> {
    const page = await newestFirstPage(this.emails.createQueryBuilder('email'), NEWEST_FIRST, { limit, after });
    return { items: page.items.map(toView), nextCursor: page.nextCursor };
  }
}

function toView(row: SentEmail): SentEmailView {
  return {
    id: row.id,
    eventId: row.eventId,
    userId: row.userId,
    recipient: row.recipient,
    subject: row.subject,
    language: row.language,
    messageId: row.messageId,
    sentAt: row.sentAt.toISOString(),
    erasedAt: row.erasedAt?.toISOString() ?? null,
  };
}
