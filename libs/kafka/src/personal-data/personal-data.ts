import type { PersonalFields } from './personal-data-cipher';
import { newDataKey, openPersonalFields, sealPersonalFields, unwrapDataKey, wrapDataKey } from './personal-data-cipher';
import type { UserKeyStore } from './user-key-store';

/** A payload that may carry sealed personal fields (new_user v3+, user_updated v2+). */
interface MaybeSealed extends Partial<PersonalFields> {
  readonly personalData?: string | null;
}

/** What an erased user's events read as: the personal fields empty, the rest (ids, locale) as written. */
export const ERASED: PersonalFields = { email: '', name: '' };

/**
 * Opens the personal fields of consumed events before handlers see them, so handlers read `email` and `name` as
 * plain fields whatever the version. Events written before encryption (no `personalData`) pass through as they are.
 */
export class PersonalDataReader {
  constructor(private readonly keys: UserKeyStore) {}

  async reveal<P>(type: string, userId: string, payload: P): Promise<P> {
    const sealed = (payload as MaybeSealed | null)?.personalData;
    if (typeof sealed !== 'string') return payload;
    const key = await this.keys.dataKeyFor(userId);
    const fields = key === 'erased' ? ERASED : openPersonalFields(key, userId, type, sealed);
    return { ...payload, ...fields, personalData: null };
  }

  stop(): Promise<void> {
    return this.keys.stop();
  }
}

/** A data key issued for a new user: the key itself (to seal now) and its wrapped form (to store and publish). */
export interface IssuedDataKey {
  readonly dataKey: Buffer;
  readonly wrappedKey: string;
}

/**
 * The producer's side of crypto-shredding: issues each user's data key, wrapped under the key-encryption key for
 * storage and for user-keys, and seals the personal fields of that user's events with it.
 */
export class PersonalDataWriter {
  constructor(private readonly keyEncryptionKey: Buffer) {}

  issueKey(userId: string): IssuedDataKey {
    const dataKey = newDataKey();
    return { dataKey, wrappedKey: wrapDataKey(this.keyEncryptionKey, userId, dataKey) };
  }

  /** The personal fields of one event of a user, sealed with the user's (wrapped) key. */
  seal(type: string, userId: string, wrappedKey: string, fields: PersonalFields): string {
    const dataKey = unwrapDataKey(this.keyEncryptionKey, userId, wrappedKey);
    try {
      return sealPersonalFields(dataKey, userId, type, fields);
    } finally {
      dataKey.fill(0);
    }
  }
}
