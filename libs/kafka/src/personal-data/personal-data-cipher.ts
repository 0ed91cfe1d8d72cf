import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { PlatformError } from '@kafka-platform/core';

// AES-256-GCM from Node's crypto (OpenSSL): authenticated encryption, so a ciphertext altered or opened with the
// wrong key or for another user fails instead of yielding garbage. A fresh 96-bit IV per message, as GCM requires.
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The personal fields of a user event: what crypto-shredding encrypts, and what a deletion makes unreadable. */
export interface PersonalFields {
  readonly email: string;
  readonly name: string;
}

/** A sealed value that cannot be opened: tampered with, or sealed under another key, user or event. */
export class PersonalDataUnreadableError extends PlatformError {
  constructor(what: string, options?: { cause?: unknown }) {
    super(
      'PERSONAL_DATA_UNREADABLE',
      `${what} cannot be decrypted: altered, or sealed under another key`,
      false,
      options,
    );
  }
}

/** A new random 256-bit data key for one user. */
export const newDataKey = (): Buffer => randomBytes(KEY_BYTES);

/** Checks a key's length once, where it enters (config, unwrapping), so encryption never sees a wrong one. */
export function assertKeyLength(key: Buffer, what: string): Buffer {
  if (key.length !== KEY_BYTES) throw new Error(`${what} must be ${KEY_BYTES} bytes, got ${key.length}`);
  return key;
}

/** base64(IV | tag | ciphertext); `context` is authenticated but not stored (it binds the value to its owner). */
export function seal(key: Buffer, context: string, plaintext: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv).setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

export function open(key: Buffer, context: string, sealed: string, what: string): Buffer {
  const bytes = Buffer.from(sealed, 'base64');
  if (bytes.length < IV_BYTES + TAG_BYTES) throw new PersonalDataUnreadableError(what);
  try {
    const decipher = createDecipheriv(ALGORITHM, key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8')).setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch (error) {
    throw new PersonalDataUnreadableError(what, { cause: error });
  }
}

/** A user's data key under the key-encryption key, bound to the user: it opens for that userId only. */
export const wrapDataKey = (keyEncryptionKey: Buffer, userId: string, dataKey: Buffer): string =>
  seal(keyEncryptionKey, `user-key:${userId}`, dataKey);

export const unwrapDataKey = (keyEncryptionKey: Buffer, userId: string, wrapped: string): Buffer =>
  assertKeyLength(
    open(keyEncryptionKey, `user-key:${userId}`, wrapped, `the data key of user ${userId}`),
    'a data key',
  );

/** The personal fields of one event, bound to its user and event type (a ciphertext cannot be moved to another). */
export const sealPersonalFields = (dataKey: Buffer, userId: string, type: string, fields: PersonalFields): string =>
  seal(dataKey, `${type}:${userId}`, Buffer.from(JSON.stringify({ email: fields.email, name: fields.name }), 'utf8'));

export function openPersonalFields(dataKey: Buffer, userId: string, type: string, sealed: string): PersonalFields {
  const what = `the personal data of a ${type} event of user ${userId}`;
  const fields = JSON.parse(open(dataKey, `${type}:${userId}`, sealed, what).toString('utf8')) as PersonalFields;
  return { email: String(fields.email), name: String(fields.name) };
}
