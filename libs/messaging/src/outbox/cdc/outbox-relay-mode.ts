import { parseEnv } from '@kafka-platform/core';
import { z } from 'zod';

/**
 * Who publishes the outbox: `polling` (OutboxRelay claims rows of `outbox` and publishes them) or `cdc` (the service
 * writes each record fully encoded into `outbox_cdc`, and Debezium's outbox EventRouter on Kafka Connect publishes it
 * from the WAL; see outbox-connector.json). Exactly one of them runs: in cdc mode the polling relay does not start.
 */
export const OUTBOX_RELAY_MODES = ['polling', 'cdc'] as const;
export type OutboxRelayMode = (typeof OUTBOX_RELAY_MODES)[number];

export const OUTBOX_RELAY_MODE = Symbol('OUTBOX_RELAY_MODE');

/** OUTBOX_RELAY from env, polling by default; anything else stops the start naming the variable. */
export function loadOutboxRelayMode(env: NodeJS.ProcessEnv): OutboxRelayMode {
  return parseEnv(
    z.object({
      OUTBOX_RELAY: z
        .enum(OUTBOX_RELAY_MODES, { error: `must be one of ${OUTBOX_RELAY_MODES.join(', ')}` })
        .default('polling'),
    }),
    env,
  ).OUTBOX_RELAY;
}

/**
 * Appended to the route of a record without a causation id. The polling relay sends no `causation-id` header then,
 * but Debezium's EventRouter adds a header for every placed column, null or not, and Kafka Connect has no transform
 * that drops a header by its value: the connector drops `causation-id` from records whose topic ends with this
 * suffix (DropHeaders + TopicNameMatches), then cuts the suffix off (RegexRouter). It never reaches Kafka.
 */
export const UNCAUSED_ROUTE_SUFFIX = '#uncaused';
