import { ConfigError } from '@kafka-platform/kafka';
import { createServiceApp } from '@kafka-platform/service';
import { createTestDatabase, serviceTestEnv, testNamespace, waitFor } from '@kafka-platform/testing';
import pg from 'pg';
import { EmailServiceModule } from '../email-service.module';
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
    expect(config).toMatchObject({ secure: true, auth: { user: 'mailer', pass: 's3cret' } });
    expect(config.from).toBe('Welcome Team <hello@example.com>');
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

  it('fails to create the app on a bad SMTP_PORT, naming the variable', async () => {
    const database = await createTestDatabase('email_service');
    try {
      Object.assign(process.env, serviceTestEnv(testNamespace(), database.url, { SMTP_PORT: 'abc' }));

      await expect(createServiceApp(EmailServiceModule)).rejects.toThrow(
        'SMTP_PORT must be a whole number from 1 to 65535',
      );

      // Nest creates providers concurrently: the database connection started beside the failing one.
      // Let it finish before the database goes, so nothing of this app is still running after the test.
      await waitFor('the aborted start to finish its migrations', () => migrated(database.url));
    } finally {
      await database.drop();
    }
  });
});

async function migrated(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT 1 FROM migrations WHERE name = 'CreateSentEmails1764000000000'`);
    return rows.length === 1;
  } finally {
    await client.end();
  }
}
