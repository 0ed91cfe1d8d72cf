export { ensureTopics } from './admin/ensure-topics';
export type { EnsureTopicsResult } from './admin/ensure-topics';
export { KAFKA_CLIENT } from './client/kafka-ports';
export type * from './client/kafka-ports';
export { createKafkajsClient } from './client/kafkajs-client';
export type { KafkaLogger } from './client/kafkajs-client';
export { AvroCodec, createSchemaRegistry } from './codec/avro-codec';
export type { SchemaSource } from './codec/avro-codec';
export { loadKafkaConfig, readTlsFiles } from './config/kafka-config';
export type { KafkaConfig, KafkaSasl, KafkaTlsFiles, RetryPolicy } from './config/kafka-config';
export { ConfigError, parseEnv } from './config/parse-env';
export { ConsumerRuntime } from './consumer/consumer-runtime';
export type {
  ConsumerRuntimeDeps,
  ConsumerRuntimeOptions,
  ConsumerState,
  EventHandlerRegistration,
} from './consumer/consumer-runtime';
export { HandleEvent } from './consumer/handle-event.decorator';
export type { HandleEventOptions } from './consumer/handle-event.decorator';
export { catalogContract, catalogTopicSpecs, namespaced } from './contract/catalog-contract';
export type { EventContract } from './contract/event-contract';
export { DLQ_HEADER, deadLetterRecord, redriveHeaders } from './dlq/dead-letter';
export { listDeadLetters, redriveDeadLetters } from './dlq/dlq-tool';
export type { DeadLetter } from './dlq/dlq-tool';
export { correlation } from './envelope/correlation-context';
export type { CorrelationScope } from './envelope/correlation-context';
export { HEADER, childTraceparent, fromHeaders, newEnvelope, toHeaders } from './envelope/event-envelope';
export type { EnvelopeMetadata, EnvelopeOrigin, EventEnvelope } from './envelope/event-envelope';
export { PlatformError, PoisonRecordError, TransientError, classifyError } from './errors/platform-error';
export type { FailureClass, PoisonCode } from './errors/platform-error';
export { KafkaHealthIndicator } from './health/kafka-health.indicator';
export { KafkaMetrics } from './metrics/kafka-metrics';
export { ConsumerHost } from './nest/consumer-host';
export { SchemaRegistryHealthIndicator } from './health/schema-registry-health.indicator';
export { KafkaModule } from './nest/kafka.module';
export type { KafkaModuleOptions } from './nest/kafka-module-options';
export { EVENT_CONTRACT, KAFKA_CONFIG, METRICS_REGISTRY } from './nest/tokens';
export { EventPublisher } from './producer/event-publisher';
export type { EventToPublish, PublishOptions, PublishedEvent } from './producer/event-publisher';
