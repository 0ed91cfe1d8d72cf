// Crypto-shredding: the cipher (pure), and the user-keys topic read by UserKeyStore on the real broker, where a
// tombstone makes a user's sealed events read as empty.
import { randomUUID } from 'node:crypto';
import { waitFor } from '@kafka-platform/testing';
import { KafkaHarness } from '../../test/test-support/kafka-harness';
import { newEnvelope } from '../envelope/event-envelope';
import type { EventPublisher } from '../producer/event-publisher';
import { newDataKey, openPersonalFields, sealPersonalFields, unwrapDataKey, wrapDataKey } from './personal-data-cipher';
import { PersonalDataReader, PersonalDataWriter } from './personal-data';
import { UserKeyStore } from './user-key-store';

const kek = newDataKey();
const ada = { email: 'ada@example.com', name: 'Ada Lovelace' };

describe('personal data cipher (AES-256-GCM)', () => {
  const userId = randomUUID();
  const key = newDataKey();

  it('opens what it sealed, for the same user and event type only', () => {
    const sealed = sealPersonalFields(key, userId, 'new_user', ada);
    expect(sealed).not.toContain('ada');
    expect(openPersonalFields(key, userId, 'new_user', sealed)).toEqual(ada);
    for (const [k, user, type] of [
      [key, randomUUID(), 'new_user'],
      [key, userId, 'user_updated'],
      [newDataKey(), userId, 'new_user'],
    ] as const) {
      expect(() => openPersonalFields(k, user, type, sealed)).toThrow(
        expect.objectContaining({ code: 'PERSONAL_DATA_UNREADABLE', retryable: false }),
      );
    }
  });

  it('refuses a ciphertext with one bit flipped', () => {
    const bytes = Buffer.from(sealPersonalFields(key, userId, 'new_user', ada), 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    expect(() => openPersonalFields(key, userId, 'new_user', bytes.toString('base64'))).toThrow(
      expect.objectContaining({ code: 'PERSONAL_DATA_UNREADABLE' }),
    );
  });

  it('wraps a data key for one user under the key-encryption key', () => {
    const wrapped = wrapDataKey(kek, userId, key);
    expect(unwrapDataKey(kek, userId, wrapped).equals(key)).toBe(true);
    expect(() => unwrapDataKey(kek, randomUUID(), wrapped)).toThrow(
      expect.objectContaining({ code: 'PERSONAL_DATA_UNREADABLE' }),
    );
    expect(() => unwrapDataKey(newDataKey(), userId, wrapped)).toThrow(
      expect.objectContaining({ code: 'PERSONAL_DATA_UNREADABLE' }),
    );
  });
});

describe('UserKeyStore and PersonalDataReader (real Kafka)', () => {
  let kafka: KafkaHarness;
  let publisher: EventPublisher;
  const writer = new PersonalDataWriter(kek);
  const stores: UserKeyStore[] = [];
  const store = (waitMs = 10_000) => {
    const created = new UserKeyStore(kafka.client, kafka.codec, kafka.contract, {
      keyEncryptionKey: kek,
      groupPrefix: `${kafka.topic}.user-keys`,
      waitMs,
    });
    stores.push(created);
    return created;
  };
  const publishKey = async (userId: string, wrappedKey: string | null) => {
    const envelope = newEnvelope('user_key', 1, userId, wrappedKey === null ? null : { userId, wrappedKey });
    const [outcome] = await publisher.send([await publisher.prepareEnvelope(envelope)]);
    if (!outcome?.ok) throw new Error(`user_key not published: ${String(outcome?.error)}`);
  };
  const sealedUser = (userId: string, wrappedKey: string) => ({
    userId,
    email: '',
    name: '',
    locale: 'en',
    personalData: writer.seal('new_user', userId, wrappedKey, ada),
  });

  beforeAll(async () => {
    kafka = await KafkaHarness.create();
    await kafka.createTopics([]);
    publisher = await kafka.publisher();
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.stop()));
    await kafka.cleanup();
  });

  it('opens a user’s sealed fields with the key from user-keys, and reads them as empty after the tombstone', async () => {
    const userId = randomUUID();
    const { wrappedKey } = writer.issueKey(userId);
    await publishKey(userId, wrappedKey);
    const payload = sealedUser(userId, wrappedKey);
    const reader = new PersonalDataReader(store());

    expect(await reader.reveal('new_user', userId, payload)).toEqual({ ...payload, ...ada, personalData: null });

    await publishKey(userId, null);
    const raw = await kafka.readAll(kafka.topic, 2);
    expect(raw.filter((r) => r.key?.toString() === userId).map((r) => r.value === null)).toEqual([false, true]);
    await waitFor('the tombstone to reach the store', async () =>
      (await reader.reveal('new_user', userId, payload)).email === '' ? true : undefined,
    );
    expect(await reader.reveal('new_user', userId, payload)).toEqual({
      ...payload,
      email: '',
      name: '',
      personalData: null,
    });
    // A store started after the deletion never sees the key: the tombstone is what it finds.
    expect(await store().dataKeyFor(userId)).toBe('erased');
  });

  it('waits for a key published after the lookup began', async () => {
    const userId = randomUUID();
    const { dataKey, wrappedKey } = writer.issueKey(userId);
    const keys = store();
    await keys.start();
    const lookup = keys.dataKeyFor(userId);
    await publishKey(userId, wrappedKey);
    expect(((await lookup) as Buffer).equals(dataKey)).toBe(true);
  });

  it('fails as transient, not poison, for a key that is not on the topic (the record is retried, not dead-lettered)', async () => {
    await expect(store(500).dataKeyFor(randomUUID())).rejects.toMatchObject({
      code: 'USER_KEY_NOT_AVAILABLE',
      retryable: true,
    });
  });

  it('passes a payload without sealed fields (written before encryption) through untouched, with no lookup', async () => {
    const plain = { userId: randomUUID(), email: 'old@example.com', name: 'Old', locale: 'en', personalData: null };
    const lookups = store(1);
    const reveal = jest.spyOn(lookups, 'dataKeyFor');
    expect(await new PersonalDataReader(lookups).reveal('new_user', plain.userId, plain)).toBe(plain);
    expect(reveal).not.toHaveBeenCalled();
  });
});
