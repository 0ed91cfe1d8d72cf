// Restarting components keeps what they stored: schema ids (registry on PostgreSQL) and Kafka records.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { readSchema } from '@kafka-platform/events';
import { deleteSubject, uniqueName } from '@kafka-platform/testing';
import { createTopic, endpoints, kafkaClient, readFromStart, stack } from './support';

describe('local stack durability', () => {
  it('keeps schema ids across a registry restart', async () => {
    const subject = `${uniqueName('durable')}-value`;
    const registry = new SchemaRegistry({ host: endpoints.schemaRegistryUrl });
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: await readSchema('new_user', 1) },
      { subject },
    );

    await stack('down', 'registry');
    await expect(fetch(`${endpoints.schemaRegistryUrl}/subjects`)).rejects.toThrow();
    await stack('up', 'registry');

    const after = new SchemaRegistry({ host: endpoints.schemaRegistryUrl });
    await expect(after.getLatestSchemaId(subject)).resolves.toBe(id);
    const byId = await fetch(`${endpoints.schemaRegistryUrl}/schemas/ids/${id}`);
    expect(byId.status).toBe(200);
    await deleteSubject(subject);
  });

  it('keeps Kafka records across a broker restart', async () => {
    const topic = uniqueName('durable');
    const kafka = kafkaClient('stack-durability');
    const admin = kafka.admin();
    await admin.connect();
    await createTopic(admin, topic);
    const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: ['a', 'b', 'c'].map((value) => ({ key: 'k', value })) });
    await producer.disconnect();
    await admin.disconnect();

    await stack('down', 'kafka');
    await stack('up', 'kafka');

    const restarted = kafkaClient('stack-durability-after');
    const consumer = restarted.consumer({ groupId: uniqueName('durable-group') });
    await consumer.connect();
    try {
      const records = await readFromStart(consumer, topic, 3);
      expect(records.map((record) => record.value)).toEqual(['a', 'b', 'c']);
    } finally {
      await consumer.disconnect();
      const cleanup = restarted.admin();
      await cleanup.connect();
      await cleanup.deleteTopics({ topics: [topic] });
      await cleanup.disconnect();
    }
  });
});
