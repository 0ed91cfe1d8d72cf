import type { AddressInfo } from 'node:net';
import { PlatformError, TransientError } from '@kafka-platform/kafka';
import { stackEndpoints } from '@kafka-platform/testing';
import { SMTPServer } from 'smtp-server';
import { mailDetail, mailSource, waitForMails } from '../../test/test-support/mail-sink';
import { closedPort, uniqueAddress } from '../../test/test-support/email-service-app';
import { DEFAULT_MAIL_FROM } from './mail-config';
import type { MailConfig } from './mail-config';
import type { OutgoingMail } from './mail-transport';
import { NodemailerTransport } from './nodemailer-transport';
import { smtpFailure } from './smtp-failure';

const mailTo = (address: string): OutgoingMail => ({
  to: { name: 'Ada Lovelace', address },
  subject: 'Willkommen, Ada!',
  text: 'Hallo\n',
  html: '<p>Hallo</p>',
  messageId: `<${Date.now()}.${Math.random().toString(36).slice(2)}@kafka-platform.local>`,
  language: 'de',
});

const config = (port: number): MailConfig => ({
  host: '127.0.0.1',
  port,
  secure: false,
  from: DEFAULT_MAIL_FROM,
});

/** A real SMTP server that answers every RCPT TO with the given reply, for replies the dev sink never gives. */
async function rejectingServer(code: number, message: string): Promise<{ port: number; close(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo: (_address, _session, callback) => callback(Object.assign(new Error(message), { responseCode: code })),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function failureOf(transport: NodemailerTransport, mail: OutgoingMail): Promise<PlatformError> {
  try {
    await transport.send(mail);
  } catch (error) {
    if (error instanceof PlatformError) return error;
    throw error;
  }
  throw new Error('send succeeded');
}

describe('NodemailerTransport', () => {
  jest.setTimeout(30_000);
  const transports: NodemailerTransport[] = [];
  const transport = (port: number) => {
    const created = new NodemailerTransport(config(port));
    transports.push(created);
    return created;
  };
  afterEach(() => {
    for (const created of transports.splice(0)) created.onApplicationShutdown();
  });

  it('delivers text and HTML to the SMTP sink with the given Message-ID, the default sender and the language', async () => {
    const address = uniqueAddress('transport');
    const mail = mailTo(address);

    const { messageId } = await transport(stackEndpoints().smtp.port).send(mail);

    expect(messageId).toBe(mail.messageId);
    const [summary] = await waitForMails(address);
    const received = await mailDetail(summary.ID);
    expect(received.MessageID).toBe(mail.messageId.replace(/^<|>$/g, ''));
    expect(received.From).toEqual({ Name: 'Kafka Platform', Address: 'welcome@kafka-platform.local' });
    expect(received.To).toEqual([{ Name: 'Ada Lovelace', Address: address }]);
    expect(received.Text.trim()).toBe('Hallo');
    expect(received.HTML).toContain('<p>Hallo</p>');
    expect(await mailSource(summary.ID)).toMatch(/^Content-Language: de\r?$/m);
  });

  it('reports a refused connection as retryable SMTP_UNAVAILABLE', async () => {
    const failure = await failureOf(transport(await closedPort()), mailTo(uniqueAddress('closed')));

    expect(failure).toBeInstanceOf(TransientError);
    expect(failure).toMatchObject({ code: 'SMTP_UNAVAILABLE', retryable: true });
    expect(failure.message).toContain('ECONNREFUSED');
  });

  it('reports a permanent 5xx recipient rejection as SMTP_REJECTED, not retryable', async () => {
    const server = await rejectingServer(550, '5.1.1 No such mailbox');
    try {
      const failure = await failureOf(transport(server.port), mailTo(uniqueAddress('unknown')));

      expect(failure).not.toBeInstanceOf(TransientError);
      expect(failure).toMatchObject({ code: 'SMTP_REJECTED', retryable: false });
      expect(failure.message).toContain('550 5.1.1 No such mailbox');
    } finally {
      await server.close();
    }
  });

  it('reports a 4xx reply (try again later) as retryable SMTP_UNAVAILABLE', async () => {
    const server = await rejectingServer(451, '4.3.0 Mailbox busy, try later');
    try {
      const failure = await failureOf(transport(server.port), mailTo(uniqueAddress('busy')));

      expect(failure).toMatchObject({ code: 'SMTP_UNAVAILABLE', retryable: true });
      expect(failure.message).toContain('451');
    } finally {
      await server.close();
    }
  });

  it('verifies a reachable server and rejects an unreachable one as retryable', async () => {
    await expect(transport(stackEndpoints().smtp.port).verify()).resolves.toBeUndefined();
    await expect(transport(await closedPort()).verify()).rejects.toMatchObject({ code: 'SMTP_UNAVAILABLE' });
  });
});

describe('smtpFailure', () => {
  const nodemailerError = (fields: object) => Object.assign(new Error('failed'), fields);

  it.each([
    ['a timeout', { code: 'ETIMEDOUT', timeoutType: 'GREETING_TIMEOUT' }, 'SMTP_UNAVAILABLE', true],
    ['a dropped connection', { code: 'ECONNECTION', command: 'CONN' }, 'SMTP_UNAVAILABLE', true],
    ['503 bad sequence', { code: 'EENVELOPE', responseCode: 503, permanent: false }, 'SMTP_UNAVAILABLE', true],
    ['rejected credentials', { code: 'EAUTH', responseCode: 535, permanent: true }, 'SMTP_AUTH_FAILED', true],
    ['a 5xx on DATA', { code: 'EMESSAGE', responseCode: 554, permanent: true }, 'SMTP_REJECTED', false],
    ['an address nodemailer refuses', { code: 'EENVELOPE', command: 'API' }, 'SMTP_REJECTED', false],
    ['an unknown error', {}, 'SMTP_UNAVAILABLE', true],
  ])('classifies %s', (_what, fields, code, retryable) => {
    expect(smtpFailure(nodemailerError(fields))).toMatchObject({ code, retryable });
  });
});
