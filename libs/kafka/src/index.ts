export { loadKafkaConfig } from './config/kafka-config';
export type { KafkaConfig } from './config/kafka-config';
export { ConfigError, parseEnv } from './config/parse-env';
