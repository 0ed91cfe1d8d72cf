export const KAFKA_CONFIG = Symbol('KAFKA_CONFIG');
export const KAFKA_MODULE_OPTIONS = Symbol('KAFKA_MODULE_OPTIONS');
export const EVENT_CONTRACT = Symbol('EVENT_CONTRACT');
/**
 * Optional: a BatchScope (consumer-runtime.ts) the service's consumer groups handle their batches under, for
 * example one database transaction per run of records. Provided by a service whose handlers allow it.
 */
export const CONSUMER_BATCH_SCOPE = Symbol('CONSUMER_BATCH_SCOPE');
