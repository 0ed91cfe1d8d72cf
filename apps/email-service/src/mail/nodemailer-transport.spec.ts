import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DependencyHealth } from '@kafka-platform/kafka';
import { PlatformError, TransientError } from '@kafka-platform/core';
import { freePort, stackEndpoints } from '@kafka-platform/testing';
import { SMTPServer } from 'smtp-server';
import { mailDetail, mailSource, waitForMails } from '../../test/test-support/mail-sink';
import { uniqueAddress } from '../../test/test-support/email-service-app';
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

const config = (port: number, more: Partial<MailConfig> = {}): MailConfig => ({
  host: '127.0.0.1',
  port,
  secure: false,
  requireTls: false,
  from: DEFAULT_MAIL_FROM,
  ...more,
});

/** A self-signed certificate for 127.0.0.1 (its own CA), made with the machine's openssl, valid for a day. */
function selfSigned(dir: string, name: string): { cert: string; key: string } {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
      ...['-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

interface LoginServer {
  readonly port: number;
  /** Every AUTH the server received, with whether the session was encrypted by then. */
  readonly logins: { user: string; secure: boolean }[];
  readonly mails: number;
  close(): Promise<void>;
}

/**
 * A real SMTP server that takes any login and any mail: with a certificate it offers STARTTLS, without one it
 * offers none and takes logins in clear text, as a misconfigured relay (or a man in the middle) would.
 */
async function loginServer(tls?: { cert: string; key: string }): Promise<LoginServer> {
  const logins: { user: string; secure: boolean }[] = [];
  let mails = 0;
  const server = new SMTPServer({
    logger: false,
    ...(tls ? { key: tls.key, cert: tls.cert } : { disabledCommands: ['STARTTLS'], allowInsecureAuth: true }),
    onAuth: (auth, session, callback) => {
      logins.push({ user: auth.username ?? '', secure: session.secure });
      callback(null, { user: auth.username });
    },
    onData: (stream, _session, callback) => {
      stream.resume();
      stream.on('end', () => {
        mails += 1;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    logins,
    get mails() {
      return mails;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

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
    const created = new NodemailerTransport(config(port), new DependencyHealth());
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
    const failure = await failureOf(transport(await freePort()), mailTo(uniqueAddress('closed')));

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

  describe('TLS before the login (credentials set: requireTls)', () => {
    const auth = { user: 'mailer', pass: 's3cret' };
    const dir = mkdtempSync(join(tmpdir(), 'smtp-tls-'));
    let serverTls: { cert: string; key: string };
    let otherCa: string;
    beforeAll(() => {
      serverTls = selfSigned(dir, 'smtp-server');
      otherCa = selfSigned(dir, 'other-ca').cert;
    });
    /** The transports' pooled connections first: the server's close waits for open ones. */
    const closeAll = async (server: LoginServer) => {
      for (const created of transports.splice(0)) created.onApplicationShutdown();
      await server.close();
    };
    const withTls = (port: number, more: Partial<MailConfig> = {}) => {
      const created = new NodemailerTransport(
        config(port, { auth, requireTls: true, ...more }),
        new DependencyHealth(),
      );
      transports.push(created);
      return created;
    };

    it('refuses a server that offers no STARTTLS: neither the login nor the mail is sent, retryable', async () => {
      const server = await loginServer();
      try {
        const failure = await failureOf(withTls(server.port), mailTo(uniqueAddress('plain')));

        expect(failure).toMatchObject({ code: 'SMTP_TLS_FAILED', retryable: true });
        expect(failure.message).toContain('STARTTLS');
        expect({ logins: server.logins, mails: server.mails }).toEqual({ logins: [], mails: 0 });
        // What requireTls prevents: without it the same server gets the login in clear text.
        const unguarded = new NodemailerTransport(config(server.port, { auth }), new DependencyHealth());
        transports.push(unguarded);
        await unguarded.send(mailTo(uniqueAddress('plain')));
        expect(server.logins).toEqual([{ user: 'mailer', secure: false }]);
      } finally {
        await closeAll(server);
      }
    });

    it('upgrades with STARTTLS to a certificate of the pinned CA, then logs in and sends', async () => {
      const server = await loginServer(serverTls);
      try {
        await withTls(server.port, { ca: serverTls.cert }).send(mailTo(uniqueAddress('tls')));

        expect({ logins: server.logins, mails: server.mails }).toEqual({
          logins: [{ user: 'mailer', secure: true }],
          mails: 1,
        });
      } finally {
        await closeAll(server);
      }
    });

    it('refuses a certificate the pinned CA did not sign, before the login', async () => {
      const server = await loginServer(serverTls);
      try {
        const failure = await failureOf(withTls(server.port, { ca: otherCa }), mailTo(uniqueAddress('mitm')));

        expect(failure).toMatchObject({ code: 'SMTP_TLS_FAILED', retryable: true });
        expect(failure.message).toMatch(/certificate/i);
        expect({ logins: server.logins, mails: server.mails }).toEqual({ logins: [], mails: 0 });
      } finally {
        await closeAll(server);
      }
    });
  });

  it('verifies a reachable server and rejects an unreachable one as retryable', async () => {
    await expect(transport(stackEndpoints().smtp.port).verify()).resolves.toBeUndefined();
    await expect(transport(await freePort()).verify()).rejects.toMatchObject({ code: 'SMTP_UNAVAILABLE' });
  });
});

describe('smtpFailure', () => {
  const nodemailerError = (fields: object) => Object.assign(new Error('failed'), fields);

  it.each([
    ['a timeout', { code: 'ETIMEDOUT', timeoutType: 'GREETING_TIMEOUT' }, 'SMTP_UNAVAILABLE', true],
    ['a dropped connection', { code: 'ECONNECTION', command: 'CONN' }, 'SMTP_UNAVAILABLE', true],
    ['503 bad sequence', { code: 'EENVELOPE', responseCode: 503, permanent: false }, 'SMTP_UNAVAILABLE', true],
    ['rejected credentials', { code: 'EAUTH', responseCode: 535, permanent: true }, 'SMTP_AUTH_FAILED', true],
    ['no TLS where it is required', { code: 'ETLS', command: 'STARTTLS' }, 'SMTP_TLS_FAILED', true],
    [
      'a certificate that does not verify',
      { code: 'ESOCKET', originalCode: 'ERR_TLS_CERT_ALTNAME_INVALID', command: 'CONN' },
      'SMTP_TLS_FAILED',
      true,
    ],
    ['a 5xx on DATA', { code: 'EMESSAGE', responseCode: 554, permanent: true }, 'SMTP_REJECTED', false],
    ['an address nodemailer refuses', { code: 'EENVELOPE', command: 'API' }, 'SMTP_REJECTED', false],
    ['an unknown error', {}, 'SMTP_UNAVAILABLE', true],
  ])('classifies %s', (_what, fields, code, retryable) => {
    expect(smtpFailure(nodemailerError(fields))).toMatchObject({ code, retryable });
  });
});
