import type { KafkaConfig } from '../config/kafka-config';
import type { KafkaClientPort } from './kafka-ports';
import { createKafkajsClient } from './kafkajs-client';
import type { KafkaLogger } from './kafkajs-client';
import { createPlatformaticClient } from './platformatic-client';

/**
 * The Kafka client the configuration names (KAFKA_CLIENT: kafkajs, the default, or platformatic). Every service,
 * CLI and test harness gets its client here, so one variable switches all of them.
 */
export function createKafkaClient(config: KafkaConfig, log?: KafkaLogger): Promise<KafkaClientPort> {
  return config.client === 'platformatic' ? createPlatformaticClient(config, log) : createKafkajsClient(config, log);
}
