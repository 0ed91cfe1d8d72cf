import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@kafka-platform/core';
import { ServiceProcess, createTestDatabase, freePort, serviceTestEnv, testNamespace } from '@kafka-platform/testing';
import { DEFAULT_MAIL_FROM, loadMailConfig } from './mail-config';

const issuesOf = (env: NodeJS.ProcessEnv): readonly string[] => {
  try {
    loadMailConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
};

describe('mail config', () => {
  it('reads the SMTP server and falls back to the platform sender and plain SMTP', () => {
    expect(loadMailConfig({ SMTP_HOST: 'mail.internal', SMTP_PORT: '2525' })).toEqual({
      host: 'mail.internal',
      port: 2525,
      secure: false,
      requireTls: false,
      from: DEFAULT_MAIL_FROM,
    });
  });

  it('takes credentials, implicit TLS and a sender when given', () => {
    const config = loadMailConfig({
      SMTP_HOST: 'smtp.example.com',
      SMTP_PORT: '465',
      SMTP_SECURE: 'true',
      SMTP_USER: 'mailer',
      SMTP_PASSWORD: 's3cret',
      MAIL_FROM: 'Welcome Team <hello@example.com>',
    });
    expect(config).toMatchObject({ secure: true, requireTls: false, auth: { user: 'mailer', pass: 's3cret' } });
    expect(config.from).toBe('Welcome Team <hello@example.com>');
  });

  describe('credentials never in clear text', () => {
    const credentials = { SMTP_HOST: 'smtp.example.com', SMTP_PORT: '587', SMTP_USER: 'mailer', SMTP_PASSWORD: 'pw' };

    it('requires STARTTLS whenever credentials are set without implicit TLS', () => {
      expect(loadMailConfig(credentials)).toMatchObject({ secure: false, requireTls: true });
      expect(loadMailConfig({ ...credentials, SMTP_REQUIRE_TLS: 'true' })).toMatchObject({ requireTls: true });
      // Implicit TLS needs no STARTTLS: the connection is encrypted from its first byte.
      expect(loadMailConfig({ ...credentials, SMTP_PORT: '465', SMTP_SECURE: 'true' })).toMatchObject({
        secure: true,
        requireTls: false,
      });
    });

    it('refuses at start a configuration that would send the login in clear text, naming the variables', () => {
      expect(issuesOf({ ...credentials, SMTP_REQUIRE_TLS: 'false' })).toEqual([
        'SMTP_REQUIRE_TLS must not be false while SMTP_USER is set and SMTP_SECURE is false: the SMTP login would be sent in clear text when the server offers no STARTTLS (unset it, or use SMTP_SECURE=true)',
      ]);
      // With implicit TLS the same switch sends nothing in clear text.
      expect(issuesOf({ ...credentials, SMTP_SECURE: 'true', SMTP_REQUIRE_TLS: 'false' })).toEqual([]);
    });

    it('leaves STARTTLS opportunistic without credentials (the development sinks), and required on request', () => {
      const sink = { SMTP_HOST: 'localhost', SMTP_PORT: '1025' };
      expect(loadMailConfig(sink).requireTls).toBe(false);
      expect(loadMailConfig({ ...sink, SMTP_REQUIRE_TLS: 'true' }).requireTls).toBe(true);
      expect(issuesOf({ ...sink, SMTP_REQUIRE_TLS: 'yes' })).toEqual(['SMTP_REQUIRE_TLS must be true or false']);
    });
  });

  describe('SMTP_CA_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mail-config-'));
    const file = (name: string, content: string) => {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    };
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const base = { SMTP_HOST: 'smtp.example.com', SMTP_PORT: '587' };

    it('is read once at start and pinned as the only CA', () => {
      expect(loadMailConfig({ ...base, SMTP_CA_FILE: file('ca.pem', pem) }).ca).toBe(pem);
      expect(loadMailConfig(base).ca).toBeUndefined();
    });

    it('stops the start when it is missing or holds no certificate, naming the variable', () => {
      const missing = join(dir, 'missing.pem');
      expect(issuesOf({ ...base, SMTP_CA_FILE: missing })).toEqual([
        expect.stringMatching(/^SMTP_CA_FILE cannot be read: ENOENT/),
      ]);
      const key = file('key.pem', '-----BEGIN PRIVATE KEY-----\n');
      expect(issuesOf({ ...base, SMTP_CA_FILE: key })).toEqual([
        `SMTP_CA_FILE ${key} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
      ]);
      expect(issuesOf({ ...base, SMTP_CA_FILE: ' ' })).toEqual(['SMTP_CA_FILE must not be empty when set']);
    });
  });

  it.each([
    [{ SMTP_PORT: '1025' }, 'SMTP_HOST is required (the SMTP server, e.g. localhost)'],
    [{ SMTP_HOST: 'localhost' }, 'SMTP_PORT is required (e.g. 1025)'],
    [{ SMTP_HOST: 'localhost', SMTP_PORT: 'abc' }, 'SMTP_PORT must be a whole number from 1 to 65535'],
    [{ SMTP_HOST: 'localhost', SMTP_PORT: '70000' }, 'SMTP_PORT must be a whole number from 1 to 65535'],
    [{ SMTP_HOST: 'localhost', SMTP_PORT: '25', SMTP_SECURE: 'yes' }, 'SMTP_SECURE must be true or false'],
    [{ SMTP_HOST: 'localhost', SMTP_PORT: '25', SMTP_USER: 'u' }, 'SMTP_PASSWORD is required when SMTP_USER is set'],
    [
      { SMTP_HOST: 'localhost', SMTP_PORT: '25', MAIL_FROM: 'nobody' },
      'MAIL_FROM must be an address or "Name <address>"',
    ],
  ])('names the variable that is wrong: %p', (env, issue) => {
    expect(issuesOf(env)).toEqual([issue]);
  });
});

describe('email-service start-up', () => {
  jest.setTimeout(60_000);

  // The built service as its own process: it must stop, with exit code 1, naming the variable. In-process, a
  // refused start leaves the database connection Nest began beside it running on after the test.
  it('stops on a bad SMTP_PORT with exit code 1, naming the variable', async () => {
    const database = await createTestDatabase('email_service');
    try {
      const env = serviceTestEnv(testNamespace(), database.url, { SMTP_PORT: 'abc', PORT: String(await freePort()) });
      const service = new ServiceProcess('email-service', Number(env['PORT']), { ...process.env, ...env });

      expect(await service.runToExit()).toBe(1);
      expect(service.logs()).toContain('SMTP_PORT must be a whole number from 1 to 65535');
    } finally {
      await database.drop();
    }
  });
});
