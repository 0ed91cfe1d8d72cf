// The local stack answers real clients: kafkajs, the Confluent schema-registry client, pg and nodemailer.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { readSchema } from '@kafka-platform/events';
import { databaseUrl, deleteSubject, uniqueName, waitFor } from '@kafka-platform/testing';
import type { Admin } from 'kafkajs';
import { createTransport } from 'nodemailer';
import { Client } from 'pg';
import { createTopic, endpoints, kafkaClient, readFromStart } from './support';

describe('local stack smoke', () => {
  describe('Kafka', () => {
    const kafka = kafkaClient('stack-smoke');
    let admin: Admin;
    const topics: string[] = [];

    beforeAll(async () => {
      admin = kafka.admin();
      await admin.connect();
    });
    afterAll(async () => {
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
    });

    it('round-trips a record with key and headers through a real broker', async () => {
      const topic = uniqueName('smoke');
      topics.push(topic);
      await createTopic(admin, topic);
      const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const [sent] = await producer.send({
        topic,
        acks: -1,
        messages: [{ key: 'user-1', value: 'hello', headers: { 'event-type': 'smoke' } }],
      });
      await producer.disconnect();

      const consumer = kafka.consumer({ groupId: uniqueName('smoke-group') });
      await consumer.connect();
      try {
        const [record] = await readFromStart(consumer, topic, 1);
        expect(record).toEqual({
          key: 'user-1',
          value: 'hello',
          offset: sent?.baseOffset,
          headers: { 'event-type': 'smoke' },
        });
      } finally {
        await consumer.disconnect();
      }
    });

    it('does not create topics on demand: producing to an unknown topic fails and creates nothing', async () => {
      const topic = uniqueName('never-declared');
      // kafkajs asks for auto-creation by default; the broker must refuse it (auto.create.topics.enable=false).
      const producer = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 1, initialRetryTime: 50 } });
      await producer.connect();
      try {
        await expect(producer.send({ topic, messages: [{ value: 'x' }] })).rejects.toThrow(
          /does not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION/i,
        );
      } finally {
        await producer.disconnect();
      }
      expect(await admin.listTopics()).not.toContain(topic);
    });
  });

  describe('schema registry (Apicurio, Confluent API)', () => {
    const registry = new SchemaRegistry({ host: endpoints.schemaRegistryUrl });
    const subject = `${uniqueName('smoke')}-value`;
    afterAll(() => deleteSubject(subject));

    it('registers a schema, reads it back by id and encodes in the Confluent wire format', async () => {
      const schema = await readSchema('new_user', 1);
      const { id } = await registry.register({ type: SchemaType.AVRO, schema }, { subject });
      const user = { userId: '7f1d2c3b-4a5e-4f6a-8b9c-0d1e2f3a4b5c', email: 'grace@example.com', name: 'Grace' };

      const encoded = await registry.encode(id, user);
      expect(encoded[0]).toBe(0);
      expect(encoded.readInt32BE(1)).toBe(id);
      await expect(registry.decode(encoded)).resolves.toEqual(user);
      await expect(registry.getLatestSchemaId(subject)).resolves.toBe(id);

      const byId = await fetch(`${endpoints.schemaRegistryUrl}/schemas/ids/${id}`);
      expect(byId.status).toBe(200);
      expect(JSON.parse(((await byId.json()) as { schema: string }).schema)).toMatchObject({ name: 'NewUser' });
    });
  });

  describe('PostgreSQL', () => {
    it.each(['user_service', 'email_service', 'dashboard_service'])(
      'serves database %s to its own role',
      async (db) => {
        const client = new Client({ connectionString: databaseUrl(db) });
        await client.connect();
        try {
          const { rows } = await client.query<{ user: string; db: string }>(
            'select current_user as user, current_database() as db',
          );
          expect(rows).toEqual([{ user: db, db }]);
        } finally {
          await client.end();
        }
      },
    );
  });

  describe('SMTP sink', () => {
    it('captures a mail and serves it over the Mailpit-style API', async () => {
      const subject = uniqueName('Welcome');
      const to = `${uniqueName('ada')}@example.com`;
      const transport = createTransport({ host: endpoints.smtp.host, port: endpoints.smtp.port, secure: false });
      await transport.sendMail({
        from: 'platform@example.com',
        to,
        subject,
        text: 'Hello Ada',
        html: '<p>Hello <b>Ada</b></p>',
      });
      transport.close();

      type Summary = { ID: string; Subject: string; To: { Address: string }[] };
      const summary = await waitFor('the mail in the sink', async () => {
        const list = (await (await fetch(`${endpoints.mailApiUrl}/api/v1/messages`)).json()) as { messages: Summary[] };
        return list.messages.find((message) => message.Subject === subject);
      });
      expect(summary.To).toEqual([{ Name: '', Address: to }]);

      const message = (await (await fetch(`${endpoints.mailApiUrl}/api/v1/message/${summary.ID}`)).json()) as {
        Text: string;
        HTML: string;
        From: { Address: string };
      };
      expect(message.From.Address).toBe('platform@example.com');
      expect(message.Text.trim()).toBe('Hello Ada');
      expect(message.HTML).toContain('<b>Ada</b>');
    });
  });
});
