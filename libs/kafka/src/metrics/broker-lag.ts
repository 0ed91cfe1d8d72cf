import type { KafkaAdminConnection } from '../admin/admin-connection';
import { groupLag } from '../admin/group-lag';

export interface LagSample {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

// Prometheus scrapes every 15-30 s; a dashboard or a second scraper asking more often gets the last reading.
const FRESH_FOR_MS = 5000;

/**
 * A consumer group's lag read from the brokers (its committed offsets against the log start and end), for the
 * kafka_consumer_lag gauge. Read at scrape time, not by the consumer: it keeps growing while the consumer is down,
 * which is when it matters. While Kafka cannot be asked the last reading stays: a gauge that fell to 0 or vanished
 * would hide the backlog.
 */
export class BrokerLag {
  private last: readonly LagSample[] = [];
  private readAt = 0;
  private reading?: Promise<readonly LagSample[]>;

  constructor(
    private readonly group: string,
    private readonly topics: readonly string[],
    private readonly admin: KafkaAdminConnection,
  ) {}

  sample(now = Date.now()): Promise<readonly LagSample[]> {
    if (now - this.readAt < FRESH_FOR_MS) return Promise.resolve(this.last);
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<readonly LagSample[]> {
    try {
      const topics = await this.admin.use((admin) =>
        Promise.all(
          this.topics.map(async (topic) => ({ topic, offsets: await admin.groupOffsets(this.group, topic) })),
        ),
      );
      this.last = topics.flatMap(({ topic, offsets }) =>
        groupLag(this.group, offsets).partitions.map(({ partition, lag }) => ({
          group: this.group,
          topic,
          partition,
          lag,
        })),
      );
      this.readAt = Date.now();
    } catch {
      // Kafka did not answer: the last reading stays; the next scrape asks again.
    }
    return this.last;
  }
}
