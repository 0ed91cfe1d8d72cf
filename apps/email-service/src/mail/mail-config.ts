import { readFileSync } from 'node:fs';
import { ConfigError, parseEnv } from '@kafka-platform/core';
import { z } from 'zod';

export interface MailConfig {
  readonly host: string;
  readonly port: number;
  /** Implicit TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it. */
  readonly secure: boolean;
  /**
   * Without implicit TLS: STARTTLS must succeed before anything else is sent (nodemailer's requireTLS), or the
   * session ends; without it a server (or a man in the middle) that does not offer STARTTLS gets plain text.
   * Always on when credentials are set.
   */
  readonly requireTls: boolean;
  /** The only CA trusted for the server's certificate (PEM, read from SMTP_CA_FILE at start); else the system's. */
  readonly ca?: string;
  readonly auth?: { readonly user: string; readonly pass: string };
  /** The From header of every mail. */
  readonly from: string;
}

export const MAIL_CONFIG = Symbol('MAIL_CONFIG');

export const DEFAULT_MAIL_FROM = '"Kafka Platform" <welcome@kafka-platform.local>';

const PORT_RULE = 'must be a whole number from 1 to 65535';
// A bare address or `Name <address>`; nodemailer would take almost anything and fail at the first send.
const MAIL_ADDRESS = /^(?:[^<>@\s]+@[^<>@\s]+|[^<>]*<[^<>@\s]+@[^<>@\s]+>)$/;

const schema = z
  .object({
    SMTP_HOST: z.string({ error: 'is required (the SMTP server, e.g. localhost)' }).trim().min(1, 'must not be empty'),
    SMTP_PORT: z
      .string({ error: 'is required (e.g. 1025)' })
      .pipe(z.coerce.number<string>({ error: PORT_RULE }).int(PORT_RULE).min(1, PORT_RULE).max(65535, PORT_RULE)),
    SMTP_SECURE: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .default('false')
      .transform((value) => value === 'true'),
    SMTP_REQUIRE_TLS: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .transform((value) => value === 'true')
      .optional(),
    SMTP_CA_FILE: z.string().trim().min(1, 'must not be empty when set').optional(),
    SMTP_USER: z.string().min(1, 'must not be empty when set').optional(),
    SMTP_PASSWORD: z.string().min(1, 'must not be empty when set').optional(),
    MAIL_FROM: z
      .string()
      .trim()
      .regex(MAIL_ADDRESS, 'must be an address or "Name <address>"')
      .default(DEFAULT_MAIL_FROM),
  })
  .superRefine((env, ctx) => {
    if (env.SMTP_USER && !env.SMTP_PASSWORD) {
      ctx.addIssue({ code: 'custom', path: ['SMTP_PASSWORD'], message: 'is required when SMTP_USER is set' });
    }
    // Credentials never go out in clear text: with them, TLS is implicit (SMTP_SECURE=true) or STARTTLS is required.
    // No switch turns that off; the development sinks (Mailpit, the local stack's) take mail without credentials.
    if (env.SMTP_USER && !env.SMTP_SECURE && env.SMTP_REQUIRE_TLS === false) {
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_REQUIRE_TLS'],
        message:
          'must not be false while SMTP_USER is set and SMTP_SECURE is false: the SMTP login would be sent in clear text when the server offers no STARTTLS (unset it, or use SMTP_SECURE=true)',
      });
    }
  });

/** Checked once at start-up: a bad value stops the service naming the variable. The CA file is read here too. */
export function loadMailConfig(env: NodeJS.ProcessEnv): MailConfig {
  const values = parseEnv(schema, env);
  const ca = values.SMTP_CA_FILE === undefined ? undefined : readCaFile(values.SMTP_CA_FILE);
  return {
    host: values.SMTP_HOST,
    port: values.SMTP_PORT,
    secure: values.SMTP_SECURE,
    requireTls: !values.SMTP_SECURE && (values.SMTP_REQUIRE_TLS ?? values.SMTP_USER !== undefined),
    ...(ca && { ca }),
    ...(values.SMTP_USER && { auth: { user: values.SMTP_USER, pass: values.SMTP_PASSWORD ?? '' } }),
    from: values.MAIL_FROM,
  };
}

/** A missing or wrong file fails the start, not the first mail (and, pinned, it is the only CA trusted). */
function readCaFile(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`SMTP_CA_FILE cannot be read: ${(error as Error).message}`]);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError([`SMTP_CA_FILE ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`]);
  }
  return pem;
}
