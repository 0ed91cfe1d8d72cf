// The bottom of the platform's libraries: nothing here knows Kafka, databases or HTTP.
export { ConfigError, duration, parseEnv } from './config/parse-env';
export { correlation } from './correlation/correlation-context';
export type { CorrelationScope } from './correlation/correlation-context';
export { PlatformError, TransientError } from './errors/platform-error';
export { METRICS_REGISTRY } from './metrics/metrics-registry';
