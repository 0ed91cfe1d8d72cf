// Starts the user-service in-process, as production builds it, isolated from every other suite on the stack:
// its own throw-away database and its own Kafka namespace (topics `<ns>.user-events`, ...).
import { AvroCodec, EVENT_CONTRACT, HEADER, KAFKA_CLIENT } from '@kafka-platform/kafka';
import type { ConsumedRecord, EventContract, KafkaClientPort, KafkaConsumerPort } from '@kafka-platform/kafka';
import { startIsolatedApp, uniqueName, waitFor } from '@kafka-platform/testing';
import type { IsolatedApp } from '@kafka-platform/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { createUserServiceApp } from '../../src/user-service.app';

export interface UserServiceUnderTest extends IsolatedApp<NestExpressApplication> {
  /** SQL on the service's test database (as its owner role). */
  query<T>(sql: string, parameters?: unknown[]): Promise<T[]>;
}

/** `overrides` replace single env values, e.g. KAFKA_BROKERS for a broker that does not answer. */
export async function startUserService(overrides: NodeJS.ProcessEnv = {}): Promise<UserServiceUnderTest> {
  const service = await startIsolatedApp('user_service', createUserServiceApp, overrides);
  const dataSource = service.app.get(DataSource);
  return { ...service, query: <T>(sql: string, parameters?: unknown[]) => dataSource.query<T[]>(sql, parameters) };
}

export interface UserEvent {
  readonly record: ConsumedRecord;
  readonly key: string;
  readonly type: string;
  readonly payload: unknown;
}

/** Everything on the service's user-events topic from the beginning, read with a group of its own. */
export class UserEventsReader {
  private readonly events: UserEvent[] = [];
  private failure?: Error;

  private constructor(
    private readonly consumer: KafkaConsumerPort,
    private readonly codec: AvroCodec,
  ) {}

  static async start(app: NestExpressApplication): Promise<UserEventsReader> {
    const contract = app.get<EventContract>(EVENT_CONTRACT);
    const consumer = app.get<KafkaClientPort>(KAFKA_CLIENT).consumer(uniqueName('user-events-reader'));
    const reader = new UserEventsReader(consumer, app.get(AvroCodec));
    await consumer.connect();
    await consumer.subscribe([contract.topicOf('new_user')], { fromBeginning: true });
    await consumer.run({
      concurrency: 1,
      // Marked done so the next fetch moves on; never committed, the group is thrown away.
      eachBatch: async (batch, control) => {
        for (const record of batch.records) {
          await reader.add(record);
          control.markDone(record.offset);
        }
      },
    });
    return reader;
  }

  /** Waits for the first event matching `match` and returns it. */
  next(description: string, match: (event: UserEvent) => boolean, timeoutMs = 15_000): Promise<UserEvent> {
    return waitFor(
      description,
      () => {
        if (this.failure) throw this.failure;
        return this.events.find(match);
      },
      { timeoutMs, intervalMs: 50 },
    );
  }

  /** Every event read so far with this key, in log order. */
  ofKey(key: string): UserEvent[] {
    return this.events.filter((event) => event.key === key);
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }

  private async add(record: ConsumedRecord) {
    try {
      const type = record.headers[HEADER.eventType] ?? '';
      const version = Number(record.headers[HEADER.schemaVersion]);
      const payload = await this.codec.decode(record.value, type, version);
      this.events.push({ record, key: record.key?.toString() ?? '', type, payload });
    } catch (error) {
      this.failure = error as Error;
    }
  }
}
