// Against the real registry (Apicurio, Confluent API): wire format, version resolution, poison classification.
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { deleteNamespaceSubjects, stackEndpoints, testNamespace } from '@kafka-platform/testing';
import { createAvroCodec, createSchemaRegistry, AvroCodec } from './avro-codec';
import { catalogContract } from '../contract/catalog-contract';
import { PoisonRecordError } from '../errors/platform-error';
import { RegistryApi } from '../schemas/registry-api';

const userId = '0b9f6c1e-7d2a-4c3b-9e8f-1a2b3c4d5e6f';
const url = stackEndpoints().schemaRegistryUrl;
const registry = createSchemaRegistry({ url });
const subjects = new RegistryApi({ url });
const codec = () => new AvroCodec(registry, catalogContract(), { autoRegister: true, subjects });

describe('AvroCodec (real registry)', () => {
  it('writes the Confluent wire format: magic byte 0, the registry id, then Avro', async () => {
    const contract = catalogContract();
    const encoded = await codec().encode('new_user', 2, { userId, email: 'a@example.com', name: 'Ada', locale: 'de' });
    const schema = await contract.readSchema('new_user', 2);
    expect(encoded[0]).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(
      await registry.getRegistryIdBySchema(contract.subjectFor('new_user'), { type: SchemaType.AVRO, schema }),
    );
  });

  it('lets a v2 reader read v1 data (locale defaults to en) and a v1 reader read v2 data', async () => {
    const c = codec();
    const v1 = await c.encode('new_user', 1, { userId, email: 'a@example.com', name: 'Ada' });
    const v2 = await c.encode('new_user', 2, { userId, email: 'b@example.com', name: 'Bo', locale: 'de' });

    await expect(c.decode(v1, 'new_user', 2)).resolves.toEqual({
      userId,
      email: 'a@example.com',
      name: 'Ada',
      locale: 'en',
    });
    await expect(c.decode(v2, 'new_user', 1)).resolves.toEqual({ userId, email: 'b@example.com', name: 'Bo' });
  });

  it('caches schema ids: the registry is asked once per schema version', async () => {
    const c = codec();
    const register = jest.spyOn(subjects, 'register');
    try {
      for (let i = 0; i < 5; i++) await c.encode('user_deleted', 1, { userId });
      expect(register).toHaveBeenCalledTimes(1);
    } finally {
      register.mockRestore();
    }
  });

  it.each([
    ['no value', null, 'EMPTY_VALUE'],
    ['a wrong magic byte', Buffer.from('{"userId":"x"}'), 'BAD_MAGIC_BYTE'],
    ['an unknown schema id', Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1, 2]), 'UNKNOWN_SCHEMA_ID'],
  ])('classifies %s as a non-retryable poison record', async (_what, bytes, code) => {
    const error = await codec()
      .decode(bytes, 'new_user', 2)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoisonRecordError);
    expect(error).toMatchObject({ code, retryable: false });
  });

  it('classifies bytes that do not match their schema as INVALID_PAYLOAD', async () => {
    const c = codec();
    const good = await c.encode('new_user', 2, { userId, email: 'a@example.com', name: 'Ada', locale: 'en' });
    const truncated = good.subarray(0, 8);
    await expect(c.decode(truncated, 'new_user', 2)).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
      retryable: false,
    });
  });

  it('refuses to encode a payload that breaks the schema, naming the field', async () => {
    await expect(codec().encode('new_user', 2, { userId, email: 42, name: 'Ada', locale: 'en' })).rejects.toMatchObject(
      {
        code: 'INVALID_PAYLOAD',
        retryable: false,
        message: expect.stringContaining('email'),
      },
    );
  });

  it('reports an unreachable registry as retryable', async () => {
    const down = createAvroCodec({ url: 'http://127.0.0.1:1/apis/ccompat/v7', autoRegister: true }, catalogContract());
    await expect(down.encode('user_deleted', 1, { userId })).rejects.toMatchObject({
      code: 'SCHEMA_REGISTRY_UNAVAILABLE',
      retryable: true,
    });
  });
});

// Ids of the catalog's schemas by subject, in production (looked up only) and development (registered on first use).
describe('AvroCodec schema ids (real registry, a namespace of its own)', () => {
  const namespace = testNamespace('codec');
  const contract = catalogContract(namespace);
  const codecFor = (autoRegister: boolean) => new AvroCodec(registry, contract, { autoRegister, subjects });
  afterAll(() => deleteNamespaceSubjects(namespace));

  it('in production, a schema not registered yet is retryable SCHEMA_NOT_REGISTERED naming its subject', async () => {
    const error = await codecFor(false)
      .encode('user_deleted', 1, { userId })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SCHEMA_NOT_REGISTERED', retryable: true });
    expect((error as Error).message).toContain(`${namespace}.user-events-dev.kafkaplatform.users.UserDeleted`);
  });

  it('in development, registers under a subject registered without a subject-level rule (as the schemas command does)', async () => {
    const subject = contract.subjectFor('new_user');
    // The Confluent client's register() refused such a subject: Apicurio answers its config check with NONE.
    const { id } = await subjects.register(subject, await contract.readSchema('new_user', 1));
    const encoded = await codecFor(true).encode('new_user', 1, { userId, email: 'a@example.com', name: 'Ada' });
    expect(encoded.readInt32BE(1)).toBe(id);
    // Production finds the same id without registering.
    const looked = await codecFor(false).encode('new_user', 1, { userId, email: 'a@example.com', name: 'Ada' });
    expect(looked.readInt32BE(1)).toBe(id);
  });
});
