import { randomUUID } from 'node:crypto';
import { TransientError } from '@kafka-platform/core';
import type { UserKeyV1 } from '@kafka-platform/events';
import type { KafkaClientPort, KafkaConsumerPort } from '../client/kafka-ports';
import type { AvroCodec } from '../codec/avro-codec';
import type { EventContract } from '../contract/event-contract';
import { unwrapDataKey } from './personal-data-cipher';

export interface UserKeyStoreOptions {
  readonly keyEncryptionKey: Buffer;
  /** The group id's prefix; each store adds a random suffix, so every instance reads every partition. */
  readonly groupPrefix: string;
  /** How long a lookup waits for a key not seen yet before it fails as transient (the record is retried). */
  readonly waitMs: number;
}

/** A user's data key, or `erased`: the user was deleted and the key tombstoned, so their events stay unreadable. */
export type DataKeyLookup = Buffer | 'erased';

/**
 * Every user's data key, read from the compacted user-keys topic into memory and kept current: a tombstone (the
 * user was deleted) replaces the key by `null` at once, and tombstones stay on the topic, so a key that is absent
 * is one not published yet, never an erased one. Each instance reads the whole topic under a group of its own that
 * never commits: it starts from the beginning every time and holds nothing on the broker.
 */
export class UserKeyStore {
  /** userId -> wrapped key, or null once tombstoned. */
  private readonly wrapped = new Map<string, string | null>();
  private readonly unwrapped = new Map<string, Buffer>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private consumer?: KafkaConsumerPort;
  private starting?: Promise<void>;
  /** Per partition, the end offset the topic had at start: nothing is answered before the store has read that far. */
  private behind = new Map<number, bigint>();
  private caughtUp?: () => void;

  constructor(
    private readonly client: KafkaClientPort,
    private readonly codec: AvroCodec,
    private readonly contract: EventContract,
    private readonly options: UserKeyStoreOptions,
  ) {}

  /**
   * The user's data key; waits up to waitMs for one not read yet, then fails as transient (USER_KEY_NOT_AVAILABLE).
   * Nothing is answered before the store has read the topic as it was at start: a key read early may have been
   * tombstoned since.
   */
  async dataKeyFor(userId: string): Promise<DataKeyLookup> {
    await this.start();
    if (!this.wrapped.has(userId)) await this.arrival(userId);
    const wrapped = this.wrapped.get(userId);
    if (wrapped === undefined) {
      throw new TransientError(
        'USER_KEY_NOT_AVAILABLE',
        `No data key for user ${userId} on ${this.contract.topicOf('user_key')} after ${this.options.waitMs} ms`,
      );
    }
    if (wrapped === null) return 'erased';
    let key = this.unwrapped.get(userId);
    if (!key) {
      key = unwrapDataKey(this.options.keyEncryptionKey, userId, wrapped);
      this.unwrapped.set(userId, key);
    }
    return key;
  }

  /** Starts reading on first use: only services that decrypt pay for it. */
  start(): Promise<void> {
    this.starting ??= this.connect().catch(async (error: unknown) => {
      await this.stop();
      throw new TransientError('USER_KEY_STORE_UNAVAILABLE', `Cannot read the user keys: ${String(error)}`, {
        cause: error,
      });
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.starting = undefined;
    if (consumer) {
      await consumer.stop().catch(() => undefined);
      await consumer.disconnect().catch(() => undefined);
    }
    for (const userId of this.waiters.keys()) this.wake(userId);
  }

  private async connect(): Promise<void> {
    const topic = this.contract.topicOf('user_key');
    const groupId = `${this.options.groupPrefix}.${randomUUID()}`;
    this.behind = await this.endOffsets(groupId, topic);
    const caughtUp = new Promise<void>((resolve) => (this.caughtUp = resolve));
    const consumer = this.client.consumer(groupId);
    await consumer.connect();
    await consumer.subscribe([topic], { fromBeginning: true });
    this.consumer = consumer;
    await consumer.run({
      concurrency: 1,
      eachBatch: async ({ partition, records }) => {
        for (const record of records) await this.apply(record.key?.toString('utf8'), record.value);
        const last = records.at(-1);
        if (last) this.advanced(partition, BigInt(last.offset) + 1n);
      },
    });
    this.advanced(-1, 0n);
    await this.bounded(caughtUp, `reading ${topic} up to its end`);
  }

  /** The partitions that hold records, with the offset after their last one (the compacted topic keeps the last). */
  private async endOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
    const admin = this.client.admin();
    await admin.connect();
    try {
      const offsets = await admin.groupOffsets(groupId, topic);
      return new Map(
        offsets
          .filter(({ logStart, logEnd }) => BigInt(logEnd) > BigInt(logStart))
          .map(({ partition, logEnd }) => [partition, BigInt(logEnd)]),
      );
    } finally {
      await admin.disconnect();
    }
  }

  private advanced(partition: number, position: bigint): void {
    const end = this.behind.get(partition);
    if (end !== undefined && position >= end) this.behind.delete(partition);
    if (this.behind.size === 0) this.caughtUp?.();
  }

  private async bounded(work: Promise<void>, what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what} took longer than ${this.options.waitMs} ms`)),
        this.options.waitMs,
      );
    });
    try {
      await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async apply(userId: string | undefined, value: Buffer | null): Promise<void> {
    if (!userId) return;
    if (value === null || value.length === 0) {
      this.wrapped.set(userId, null);
      this.unwrapped.get(userId)?.fill(0);
      this.unwrapped.delete(userId);
    } else {
      const key = (await this.codec.decode(value, 'user_key', 1)) as UserKeyV1;
      this.wrapped.set(userId, key.wrappedKey);
    }
    this.wake(userId);
  }

  private arrival(userId: string): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.get(userId)?.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.options.waitMs);
      this.waiters.set(userId, (this.waiters.get(userId) ?? new Set()).add(done));
    });
  }

  private wake(userId: string): void {
    for (const done of this.waiters.get(userId) ?? []) done();
    this.waiters.delete(userId);
  }
}
