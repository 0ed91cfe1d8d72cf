// The local stack answers real clients: kafkajs, the Confluent schema-registry client, pg, nodemailer and an
// OpenID Connect client of Keycloak's realm; and none of it answers from the network, only on loopback.
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { readSchema } from '@kafka-platform/events';
import { databaseUrl, deleteSubject, uniqueName, waitFor } from '@kafka-platform/testing';
import type { Admin } from 'kafkajs';
import { createTransport } from 'nodemailer';
import { Client } from 'pg';
import { createTopic, endpoints, kafkaClient, platformServices, readFromStart } from './support';

/** This machine's addresses that are not loopback (where a port bound to 0.0.0.0 or :: would also answer). */
const externalAddresses = Object.values(networkInterfaces())
  .flat()
  .filter((address) => address !== undefined && !address.internal && address.family === 'IPv4')
  .map((address) => address?.address as string);

/** 'open' when something accepts a TCP connection at host:port, else the error code (ECONNREFUSED, ...). */
const probe = (host: string, port: number): Promise<string> =>
  new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('open');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('ETIMEDOUT');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });

describe('local stack smoke', () => {
  // The stack's own ports (tools/local-stack/lib/settings.mjs): Kafka's client and controller ports, the registry's
  // API and management ports, Keycloak's HTTP and management ports, the SMTP sink's SMTP and HTTP ports. None has
  // authentication worth the name, so none may answer on an address other machines can reach. (PostgreSQL is the
  // machine's own server, configured outside the stack.)
  const STACK_PORTS = [9092, 9093, 8081, 8091, 8180, 8190, 1025, 8025];

  (externalAddresses.length > 0 ? it : it.skip)(
    `listens on loopback only: nothing answers on this machine's other addresses (${externalAddresses.join(', ')})`,
    async () => {
      const answers = await Promise.all(
        externalAddresses.flatMap((host) =>
          STACK_PORTS.map(async (port) => ({ at: `${host}:${port}`, answer: await probe(host, port) })),
        ),
      );
      expect(answers.filter(({ answer }) => answer === 'open')).toEqual([]);
      // ... while the same ports answer on loopback, so the probe itself works.
      const loopback = await Promise.all(STACK_PORTS.map((port) => probe('127.0.0.1', port)));
      expect(loopback).toEqual(STACK_PORTS.map(() => 'open'));
    },
  );

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
    it.each(platformServices().map((service) => service.replaceAll('-', '_')))(
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

  describe('Keycloak (OpenID Connect)', () => {
    const issuer = process.env['OIDC_ISSUER_URL'] ?? 'http://localhost:8180/realms/kafka-platform';

    /** The password grant of the realm's platform-cli client (a public client, development realm only). */
    const passwordGrant = (username: string, password: string) =>
      fetch(`${issuer}/protocol/openid-connect/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'password', client_id: 'platform-cli', username, password }),
      });

    it("serves the realm's discovery document, naming the issuer tokens carry", async () => {
      const response = await fetch(`${issuer}/.well-known/openid-configuration`);
      expect(response.status).toBe(200);
      const discovery = (await response.json()) as { issuer: string; jwks_uri: string; token_endpoint: string };
      expect(discovery.issuer).toBe(issuer);
      expect(discovery.token_endpoint).toBe(`${issuer}/protocol/openid-connect/token`);
      const keys = (await (await fetch(discovery.jwks_uri)).json()) as { keys: { kty: string; use?: string }[] };
      expect(keys.keys).toEqual(expect.arrayContaining([expect.objectContaining({ kty: 'RSA', use: 'sig' })]));
    });

    it('gives a demo user an access token for the services, with her realm roles', async () => {
      const response = await passwordGrant('vera', 'vera-demo-password');
      expect(response.status).toBe(200);
      const { access_token: token, token_type: type } = (await response.json()) as {
        access_token: string;
        token_type: string;
      };
      expect(type).toBe('Bearer');
      const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
        iss: string;
        aud: string | string[];
        azp: string;
        preferred_username: string;
        realm_access?: { roles: string[] };
      };
      expect(payload.iss).toBe(issuer);
      expect([payload.aud].flat()).toEqual(expect.arrayContaining(platformServices()));
      expect(payload).toMatchObject({ azp: 'platform-cli', preferred_username: 'vera' });
      expect(payload.realm_access?.roles).toContain('users:read');
      expect(payload.realm_access?.roles).not.toContain('admin');
    });

    it('refuses an unknown user', async () => {
      const response = await passwordGrant(uniqueName('nobody'), 'wrong');
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: string }).error).toBe('invalid_grant');
    });
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
