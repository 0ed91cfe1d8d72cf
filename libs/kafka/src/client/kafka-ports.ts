// The small surface the platform needs from a Kafka client. kafkajs implements it (kafkajs-client.ts);
// another client (e.g. confluent-kafka-javascript) can be swapped in behind the KAFKA_CLIENT token.

export type Headers = Record<string, string>;

export interface OutgoingRecord {
  readonly key: string | Buffer | null;
  /** null: a tombstone, which compaction turns into the removal of the key. */
  readonly value: Buffer | null;
  readonly headers: Headers;
}

export interface ProducedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface KafkaProducerPort {
  connect(): Promise<void>;
  /** Sends in one request, acks=all; resolves with each record's partition and offset, in input order. */
  send(topic: string, records: readonly OutgoingRecord[]): Promise<ProducedRecord[]>;
  disconnect(): Promise<void>;
}

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Headers;
  readonly timestamp: string;
}

export interface ConsumedBatch {
  readonly topic: string;
  readonly partition: number;
  /** Offset the next produced record will get: lag = highWatermark - next offset to read. */
  readonly highWatermark: string;
  readonly records: readonly ConsumedRecord[];
}

export interface BatchControl {
  /** False once the consumer is stopping: finish nothing new. */
  isRunning(): boolean;
  /** True when a rebalance took the partition away: its offsets must not be committed by us. */
  isStale(): boolean;
  heartbeat(): Promise<void>;
  /**
   * Marks a record finished; commit() commits everything marked so far on this partition. Records not marked
   * are fetched again with the next batch (nothing is resolved automatically), so every reader must mark.
   */
  markDone(offset: string): void;
  commit(): Promise<void>;
  /**
   * Stops fetching this partition (the rest of the group's partitions go on); returns the function that
   * resumes it, after which the records not marked done are fetched again.
   */
  pause(): () => void;
}

export interface ConsumerRunOptions {
  /** Partitions handled in parallel; records within one partition are always handled in order. */
  readonly concurrency: number;
  eachBatch(batch: ConsumedBatch, control: BatchControl): Promise<void>;
}

export interface KafkaConsumerPort {
  connect(): Promise<void>;
  subscribe(topics: readonly string[], options: { fromBeginning: boolean }): Promise<void>;
  run(options: ConsumerRunOptions): Promise<void>;
  /** Stops fetching and waits for the batches in flight; the group membership is kept until disconnect. */
  stop(): Promise<void>;
  /** Leaves the group and closes connections. */
  disconnect(): Promise<void>;
  /** Called when the consumer dies; `restarting` tells whether the client restarts it by itself. */
  onCrash(listener: (error: Error, restarting: boolean) => void): void;
  /** Called each time the consumer joins its group (at start, after a rebalance or a restart), with its partitions. */
  onJoin(listener: (assignment: Readonly<Record<string, readonly number[]>>) => void): void;
}

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
}

export interface TopicDescription {
  readonly topic: string;
  readonly partitions: number;
  readonly configs: Readonly<Record<string, string>>;
}

export interface PartitionOffsets {
  readonly partition: number;
  /** -1 when the group has committed nothing on the partition. */
  readonly committed: string;
  /** The first offset still in the log (retention or deleteRecords moves it up); 0 for a log never trimmed. */
  readonly logStart: string;
  readonly logEnd: string;
}

export interface KafkaAdminPort {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  brokerCount(): Promise<number>;
  /** The cluster's id: the same for every broker of one cluster, different for any other cluster. */
  clusterId(): Promise<string>;
  listTopics(): Promise<string[]>;
  /** Only topics that exist are described. */
  describeTopics(topics: readonly string[]): Promise<TopicDescription[]>;
  createTopics(specs: readonly TopicSpec[]): Promise<void>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  groupOffsets(groupId: string, topic: string): Promise<PartitionOffsets[]>;
  /** Every consumer group the cluster knows, with or without members. */
  listGroups(): Promise<string[]>;
  /** Deletes a group and its committed offsets; a group that does not exist is no error, one with members is. */
  deleteGroup(groupId: string): Promise<void>;
  /** Moves a group's committed offsets; the group must have no running members. */
  setGroupOffsets(
    groupId: string,
    topic: string,
    offsets: readonly { partition: number; offset: string }[],
  ): Promise<void>;
}

export interface KafkaClientPort {
  producer(): KafkaProducerPort;
  consumer(groupId: string): KafkaConsumerPort;
  admin(): KafkaAdminPort;
}

/** Nest injection token for the KafkaClientPort. */
export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');
