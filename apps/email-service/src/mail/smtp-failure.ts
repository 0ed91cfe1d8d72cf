import { PlatformError, TransientError } from '@kafka-platform/core';

/** The fields nodemailer puts on its errors (see NodemailerError in nodemailer's errors.d.ts). */
interface SmtpErrorFields {
  readonly code?: string;
  readonly originalCode?: string;
  readonly command?: string;
  readonly responseCode?: number;
  readonly response?: string;
  readonly permanent?: boolean;
}

const AUTH_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2']);
// The socket's own code when TLS fails (nodemailer reports ESOCKET and keeps it as originalCode): OpenSSL's
// verification results (DEPTH_ZERO_SELF_SIGNED_CERT, UNABLE_TO_VERIFY_LEAF_SIGNATURE, CERT_HAS_EXPIRED, ...) and
// Node's TLS errors (ERR_TLS_CERT_ALTNAME_INVALID, ERR_SSL_...).
const TLS_VERIFY_CODES = /^ERR_(TLS|SSL)_|CERT|SELF_SIGNED|VERIFY/;

/**
 * Maps a failed send to the platform's retry decision. Only the server's permanent verdict on this mail
 * (5xx other than 503, or an address nodemailer refuses before asking) is final; everything else (no
 * connection, timeouts, 4xx, a dropped session) may pass and is retried, then dead-lettered.
 */
export function smtpFailure(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  const fields = (error ?? {}) as SmtpErrorFields;
  const detail = describe(error, fields);
  // Bad credentials are the deployment's fault, not the mail's: retry, and redrive from the DLQ once fixed.
  if (fields.code && AUTH_CODES.has(fields.code)) {
    return new TransientError('SMTP_AUTH_FAILED', `SMTP authentication failed: ${detail}`, { cause: error });
  }
  // No TLS (STARTTLS required but refused, or a certificate that does not verify) is the deployment's fault too.
  if (fields.code === 'ETLS' || TLS_VERIFY_CODES.test(fields.originalCode ?? '')) {
    return new TransientError('SMTP_TLS_FAILED', `SMTP connection could not be secured: ${detail}`, { cause: error });
  }
  if (fields.permanent === true || (fields.code === 'EENVELOPE' && fields.responseCode === undefined)) {
    return new PlatformError('SMTP_REJECTED', `SMTP server rejected the mail: ${detail}`, false, { cause: error });
  }
  return new TransientError('SMTP_UNAVAILABLE', `SMTP send failed: ${detail}`, { cause: error });
}

function describe(error: unknown, fields: SmtpErrorFields): string {
  const message = error instanceof Error ? error.message : String(error);
  const context = [fields.code, fields.originalCode, fields.command && `during ${fields.command}`]
    .filter(Boolean)
    .join(' ');
  return context ? `${message} (${context})` : message;
}
