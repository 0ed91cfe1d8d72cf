export const KAFKA_CONFIG = Symbol('KAFKA_CONFIG');
export const KAFKA_MODULE_OPTIONS = Symbol('KAFKA_MODULE_OPTIONS');
export const EVENT_CONTRACT = Symbol('EVENT_CONTRACT');
/** The app's Prometheus registry, when it has its own (PlatformModule provides one per app). */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
/**
 * Optional: a BatchScope (consumer-runtime.ts) the service's consumer groups handle their batches under, for
 * example one database transaction per run of records. Provided by a service whose handlers allow it.
 */
export const CONSUMER_BATCH_SCOPE = Symbol('CONSUMER_BATCH_SCOPE');
