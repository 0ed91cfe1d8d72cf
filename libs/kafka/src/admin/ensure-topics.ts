import type { KafkaAdminPort, TopicSpec } from '../client/kafka-ports';
import type { KafkaConfig } from '../config/kafka-config';
import { catalogTopicSpecs } from '../contract/catalog-contract';
import { PlatformError } from '@kafka-platform/core';

export interface EnsureTopicsResult {
  readonly created: string[];
  readonly existing: string[];
}

/**
 * Creates the topics the catalog declares that do not exist yet, and refuses to go on when an existing topic
 * differs in ways that break the platform's guarantees (fewer partitions, another cleanup policy).
 * Idempotent: a second run creates nothing and reports the same topics as existing.
 */
export async function ensureTopics(admin: KafkaAdminPort, specs: readonly TopicSpec[]): Promise<EnsureTopicsResult> {
  const existing = await admin.describeTopics(specs.map((spec) => spec.topic));
  const problems = existing.flatMap((topic) =>
    mismatches(specs.find((spec) => spec.topic === topic.topic) as TopicSpec, topic),
  );
  if (problems.length > 0) {
    throw new PlatformError(
      'TOPIC_MISMATCH',
      `Topics differ from the event catalog:\n  - ${problems.join('\n  - ')}`,
      false,
    );
  }
  const names = new Set(existing.map((topic) => topic.topic));
  const missing = specs.filter((spec) => !names.has(spec.topic));
  if (missing.length > 0) await admin.createTopics(missing);
  return { created: missing.map((spec) => spec.topic), existing: [...names] };
}

/**
 * The event catalog's topics (and DLQs) under `topics`' namespace and policy, sized for the cluster, on a connection
 * of the admin's own: what a service in development, a stream processor and `npm run topics:ensure` run at start.
 */
export async function ensureCatalogTopics(
  admin: KafkaAdminPort,
  topics: KafkaConfig['topics'],
): Promise<EnsureTopicsResult> {
  await admin.connect();
  try {
    return await ensureTopics(admin, catalogTopicSpecs(topics, await admin.brokerCount()));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function mismatches(
  spec: TopicSpec,
  actual: { topic: string; partitions: number; configs: Readonly<Record<string, string>> },
) {
  const problems: string[] = [];
  if (actual.partitions < spec.partitions) {
    problems.push(`${spec.topic} has ${actual.partitions} partitions, the catalog declares ${spec.partitions}`);
  }
  const policy = spec.configs['cleanup.policy'];
  if (policy && actual.configs['cleanup.policy'] !== policy) {
    problems.push(
      `${spec.topic} has cleanup.policy=${actual.configs['cleanup.policy']}, the catalog declares ${policy}`,
    );
  }
  return problems;
}
