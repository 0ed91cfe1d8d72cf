// A real SMTP server (the one the dev sink is built on) on a port of the test's choosing, for tests that control
// when mail is accepted: an SMTP outage, or something to do between receiving a mail and accepting it.
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface TestSmtpServer {
  /** The recipients of every accepted mail, in order. */
  readonly received: string[];
  close(): Promise<void>;
}

/** `beforeAccept` runs once the mail is read and before the server answers 250 (accepted). */
export async function smtpServerOn(
  port: number,
  beforeAccept: (recipients: string[]) => Promise<void> = async () => undefined,
): Promise<TestSmtpServer> {
  const received: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, _session, callback) => {
      simpleParser(stream)
        .then(async (mail) => {
          const recipients = [mail.to ?? []].flat().flatMap((to) => to.value.map((value) => value.address ?? ''));
          await beforeAccept(recipients);
          received.push(...recipients);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
