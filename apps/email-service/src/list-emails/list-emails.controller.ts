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

@Controller('emails')
export class ListEmailsController {
  constructor(@InjectRepository(SentEmail) private readonly emails: Repository<SentEmail>) {}

  /** The welcome mails sent, newest first; bounded, since the table only grows. */
  @Get()
  async list(@Query() query: ListEmailsQuery): Promise<{ items: SentEmailView[] }> {
    const rows = await this.emails.find({ order: { sentAt: 'DESC', id: 'DESC' }, take: query.limit });
    return { items: rows.map(toView) };
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
