export { KafkaAdminConnection } from './admin/admin-connection';
export { ensureCatalogTopics, ensureTopics } from './admin/ensure-topics';
export type { EnsureTopicsResult } from './admin/ensure-topics';
export { groupLag, hasCommitted } from './admin/group-lag';
export type { GroupLag, PartitionLag } from './admin/group-lag';
export { KAFKA_CLIENT } from './client/kafka-ports';
export type * from './client/kafka-ports';
export { createKafkaClient } from './client/kafka-client-factory';
export { createKafkajs, createKafkajsClient } from './client/kafkajs-client';
export type { KafkaLogger } from './client/kafkajs-client';
export { AvroCodec, createAvroCodec, createSchemaRegistry } from './codec/avro-codec';
export type { SchemaSource, SubjectSchemas } from './codec/avro-codec';
export { loadKafkaConfig, readTlsFiles } from './config/kafka-config';
export type {
  ConsumerTimings,
  KafkaClientKind,
  KafkaConfig,
  KafkaSasl,
  KafkaTlsFiles,
  RetryPolicy,
} from './config/kafka-config';
export { ConsumerRuntime } from './consumer/consumer-runtime';
export type {
  BatchScope,
  BlockedPartition,
  ConsumerRuntimeDeps,
  ConsumerRuntimeOptions,
  ConsumerState,
  ConsumerStatus,
  EventHandlerRegistration,
} from './consumer/consumer-runtime';
export { delivery } from './consumer/delivery-context';
export type { Delivery } from './consumer/delivery-context';
export { catalogContract, catalogTopicSpecs, namespaced } from './contract/catalog-contract';
export type { EventContract } from './contract/event-contract';
export { DLQ_HEADER, deadLetterRecord, redriveHeaders } from './dlq/dead-letter';
export type { DeadLetterReason } from './dlq/dead-letter';
export { listDeadLetters, redriveDeadLetters } from './dlq/dlq-tool';
export type { DeadLetter } from './dlq/dlq-tool';
export { HEADER, childTraceparent, fromHeaders, newEnvelope, toHeaders } from './envelope/event-envelope';
export type { EnvelopeMetadata, EnvelopeOrigin, EventEnvelope } from './envelope/event-envelope';
export { MESSAGING, activeSpanContext, activeTraceparent, traced } from './tracing/tracing';
export { PoisonRecordError, classifyError } from './errors/platform-error';
export type { FailureClass, FailureKind, PoisonCode } from './errors/platform-error';
export { ConsumerHealthIndicator } from './health/consumer-health.indicator';
export { DependencyHealth } from './health/dependency-health';
export type { DependencyCheck, DependencyStatus } from './health/dependency-health';
export { KafkaHealthIndicator } from './health/kafka-health.indicator';
export { KafkaMetrics } from './metrics/kafka-metrics';
export { ConsumerHost } from './nest/consumer-host';
export type { SupervisedGroup } from './nest/consumer-host';
export { SchemaRegistryHealthIndicator, checkSchemaRegistry } from './health/schema-registry-health.indicator';
export { KafkaModule } from './nest/kafka.module';
export type { KafkaModuleOptions } from './nest/kafka-module-options';
export { CONSUMER_BATCH_SCOPE, EVENT_CONTRACT, KAFKA_CONFIG } from './nest/tokens';
export { DEVELOPMENT_KEY_ENCRYPTION_KEY } from './config/kafka-config';
export {
  PersonalDataUnreadableError,
  newDataKey,
  openPersonalFields,
  sealPersonalFields,
  unwrapDataKey,
  wrapDataKey,
} from './personal-data/personal-data-cipher';
export type { PersonalFields } from './personal-data/personal-data-cipher';
export { ERASED, PersonalDataReader, PersonalDataWriter } from './personal-data/personal-data';
export type { IssuedDataKey } from './personal-data/personal-data';
export { UserKeyStore } from './personal-data/user-key-store';
export type { DataKeyLookup, UserKeyStoreOptions } from './personal-data/user-key-store';
export { EventPublisher } from './producer/event-publisher';
export type {
  EventToPublish,
  PreparedEvent,
  PublishOptions,
  PublishedEvent,
  SendOutcome,
} from './producer/event-publisher';
export { connectKafkaTransport } from './transport/connect-kafka-transport';
export { CorrelationInterceptor } from './transport/correlation.interceptor';
export { EventFailureFilter } from './transport/event-failure.filter';
export { EventPattern } from './transport/event-pattern.decorator';
export type { EventHandlerMethod, EventPatternOptions } from './transport/event-pattern.decorator';
export { KafkaEventContext } from './transport/kafka-event.context';
export { KafkaEventTransport } from './transport/kafka-event.transport';
export { RegistryApi, RegistryHttpError, RegistryUnreachableError } from './schemas/registry-api';
export type {
  CompatibilityAnswer,
  IncompatibilityCause,
  RegisteredVersion,
  RegistryApiOptions,
  RegistryAuth,
} from './schemas/registry-api';
export { catalogSubjects, checkSchemas, formatReport, registerSchemas } from './schemas/schema-lifecycle';
export type { CatalogSubject, SchemasReport, VersionResult, VersionStatus } from './schemas/schema-lifecycle';
export { SCHEMAS_USAGE, runSchemasCommand } from './schemas/schemas-command';
export type { SchemasIo } from './schemas/schemas-command';
