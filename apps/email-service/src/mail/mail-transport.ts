/** One mail to one recipient; the sender is the transport's own (MAIL_FROM). */
export interface OutgoingMail {
  readonly to: { readonly name: string; readonly address: string };
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The Message-ID header, `<id@domain>`. Set by the caller so a re-sent mail carries the same id. */
  readonly messageId: string;
  /** Content-Language of the body, e.g. "de". */
  readonly language?: string;
}

/**
 * Where mail leaves the service. SMTP through nodemailer today; an HTTP mail API could take its place.
 * `send` resolves once the server took responsibility for the mail. It throws a TransientError when a later
 * attempt may succeed (server down, timeout, 4xx) and a PlatformError with retryable=false when it never will.
 */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
  /** Checks that the server answers (and takes the credentials) without sending anything. */
  verify?(): Promise<void>;
}

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');
