export const KAFKA_CONFIG = Symbol('KAFKA_CONFIG');
export const KAFKA_MODULE_OPTIONS = Symbol('KAFKA_MODULE_OPTIONS');
export const EVENT_CONTRACT = Symbol('EVENT_CONTRACT');
