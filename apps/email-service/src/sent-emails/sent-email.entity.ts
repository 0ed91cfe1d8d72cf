import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A welcome mail the SMTP server accepted, recorded in the same transaction as its inbox row. */
@Entity({ name: 'sent_emails' })
export class SentEmail {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The new_user event the mail answers; unique, so one event can never be recorded twice. */
  @Column({ name: 'event_id', type: 'uuid', unique: true })
  eventId!: string;

  @Column({ name: 'user_id', type: 'text' })
  userId!: string;

  /** NULL once the user was deleted: the address is forgotten, the fact that a mail went out is kept. */
  @Column({ type: 'text', nullable: true })
  recipient!: string | null;

  /** Greets the user by name, so it is erased with the address. */
  @Column({ type: 'text', nullable: true })
  subject!: string | null;

  @Column({ type: 'text' })
  language!: string;

  /** The Message-ID header the mail went out with. */
  @Column({ name: 'message_id', type: 'text' })
  messageId!: string;

  /** The transaction's start: just before the server accepted the mail, as the row is written first. */
  @Column({ name: 'sent_at', type: 'timestamptz', default: () => 'now()' })
  sentAt!: Date;

  @Column({ name: 'erased_at', type: 'timestamptz', nullable: true })
  erasedAt!: Date | null;
}
