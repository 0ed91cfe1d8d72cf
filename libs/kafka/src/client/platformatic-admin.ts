import { setTimeout as delay } from 'node:timers/promises';
import type { Admin } from '@platformatic/kafka';
import type { KafkaAdminPort, PartitionOffsets, TopicDescription, TopicSpec } from './kafka-ports';
import { isUnknownTopic, kafkaErrorName, reach } from './platformatic-errors';

// Kafka's numbers for what the admin asks about (the library's ConfigResourceTypes / ListOffsetTimestamps), written
// out so that this module needs nothing of the library at run time.
const TOPIC_RESOURCE = 2;
const LATEST = -1n;
const EARLIEST = -2n;

/** KafkaAdminPort on @platformatic/kafka's Admin; answers as the kafkajs adapter does. */
export class PlatformaticAdmin implements KafkaAdminPort {
  private admin?: Admin;

  /** `create` makes a new library admin: one per connect after a disconnect, as a closed one never reopens. */
  constructor(private readonly create: () => Admin) {}

  /** The library connects on first use; a metadata request makes an unreachable broker fail here, as with kafkajs. */
  async connect(): Promise<void> {
    await reach(this.current());
  }

  async disconnect(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.close();
  }

  async brokerCount(): Promise<number> {
    return (await this.current().metadata({ topics: [], forceUpdate: true })).brokers.size;
  }

  async clusterId(): Promise<string> {
    return (await this.current().metadata({ topics: [], forceUpdate: true })).id;
  }

  listTopics(): Promise<string[]> {
    return this.current().listTopics();
  }

  async describeTopics(topics: readonly string[]): Promise<TopicDescription[]> {
    const existing = new Set(await this.current().listTopics());
    const names = topics.filter((topic) => existing.has(topic));
    if (names.length === 0) return [];
    const [metadata, configs] = await Promise.all([
      this.current().metadata({ topics: names, forceUpdate: true }),
      this.current().describeConfigs({
        includeSynonyms: false,
        resources: names.map((resourceName) => ({ resourceType: TOPIC_RESOURCE, resourceName })),
      }),
    ]);
    return names.map((topic) => {
      const entries = configs.find((resource) => resource.resourceName === topic)?.configs ?? [];
      return {
        topic,
        partitions: metadata.topics.get(topic)?.partitionsCount ?? 0,
        configs: Object.fromEntries(entries.map((entry) => [entry.name, entry.value ?? ''])),
      };
    });
  }

  async createTopics(specs: readonly TopicSpec[]): Promise<void> {
    // One request per topic: the library applies one set of configs to every topic of a request.
    await Promise.all(
      specs.map((spec) =>
        this.current()
          .createTopics({
            topics: [spec.topic],
            partitions: spec.partitions,
            replicas: spec.replicationFactor,
            configs: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
          })
          .catch((error: unknown) => {
            // Created meanwhile by another service (as kafkajs, which reports it and does not fail).
            if (kafkaErrorName(error) !== 'TOPIC_ALREADY_EXISTS') throw error;
          }),
      ),
    );
    // A broker can answer "unknown topic" for a moment after creating it; callers may produce right away.
    const topics = specs.map((spec) => spec.topic);
    for (let attempt = 1; ; attempt++) {
      try {
        const metadata = await this.current().metadata({ topics, forceUpdate: true });
        const ready = topics.every((topic) => {
          const partitions = metadata.topics.get(topic)?.partitions ?? [];
          return partitions.length > 0 && partitions.every((partition) => partition.leader >= 0);
        });
        if (ready) return;
      } catch (error) {
        if (!isUnknownTopic(error)) throw error;
      }
      if (attempt >= 100) throw new Error(`Topics ${topics.join(', ')} have no leaders 10 s after creation`);
      await delay(100);
    }
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    if (topics.length > 0) await this.current().deleteTopics({ topics: [...topics] });
  }

  async groupOffsets(groupId: string, topic: string): Promise<PartitionOffsets[]> {
    const metadata = await this.current().metadata({ topics: [topic], forceUpdate: true });
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const partitions = Array.from({ length: count }, (_, partition) => partition);
    const at = (timestamp: bigint) =>
      this.current().listOffsets({
        topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) }],
      });
    const [[group], [earliest], [latest]] = await Promise.all([
      this.current().listConsumerGroupOffsets({
        groups: [{ groupId, topics: [{ name: topic, partitionIndexes: partitions }] }],
      }),
      at(EARLIEST),
      at(LATEST),
    ]);
    const committed = group?.topics.find((t) => t.name === topic)?.partitions ?? [];
    return partitions.map((partition) => ({
      partition,
      committed: String(committed.find((p) => p.partitionIndex === partition)?.committedOffset ?? -1n),
      logStart: String(earliest?.partitions.find((p) => p.partitionIndex === partition)?.offset ?? 0n),
      logEnd: String(latest?.partitions.find((p) => p.partitionIndex === partition)?.offset ?? 0n),
    }));
  }

  async listGroups(): Promise<string[]> {
    // Without types the library lists classic groups only; consumer groups of KIP-848 members count as well.
    const groups = await this.current().listGroups({ types: ['classic', 'consumer'] });
    return [...groups.keys()].sort();
  }

  async deleteGroup(groupId: string): Promise<void> {
    try {
      await this.current().deleteGroups({ groups: [groupId] });
    } catch (error) {
      if (kafkaErrorName(error) !== 'GROUP_ID_NOT_FOUND') throw error;
    }
  }

  async setGroupOffsets(
    groupId: string,
    topic: string,
    offsets: readonly { partition: number; offset: string }[],
  ): Promise<void> {
    await this.current().alterConsumerGroupOffsets({
      groupId,
      topics: [
        {
          name: topic,
          partitionOffsets: offsets.map(({ partition, offset }) => ({ partition, offset: BigInt(offset) })),
        },
      ],
    });
  }

  private current(): Admin {
    this.admin ??= this.create();
    return this.admin;
  }
}
