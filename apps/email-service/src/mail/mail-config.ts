import { parseEnv } from '@kafka-platform/kafka';
import { z } from 'zod';

export interface MailConfig {
  readonly host: string;
  readonly port: number;
  /** Implicit TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it. */
  readonly secure: boolean;
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
  });

/** Checked once at start-up: a bad value stops the service naming the variable. */
export function loadMailConfig(env: NodeJS.ProcessEnv): MailConfig {
  const values = parseEnv(schema, env);
  return {
    host: values.SMTP_HOST,
    port: values.SMTP_PORT,
    secure: values.SMTP_SECURE,
    ...(values.SMTP_USER && { auth: { user: values.SMTP_USER, pass: values.SMTP_PASSWORD ?? '' } }),
    from: values.MAIL_FROM,
  };
}
