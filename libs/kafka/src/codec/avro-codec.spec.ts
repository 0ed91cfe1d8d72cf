// Against the real registry (Apicurio, Confluent API): wire format, version resolution, poison classification.
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { stackEndpoints } from '@kafka-platform/testing';
import { createSchemaRegistry, AvroCodec } from './avro-codec';
import { catalogContract } from '../contract/catalog-contract';
import { PoisonRecordError } from '../errors/platform-error';

const userId = '0b9f6c1e-7d2a-4c3b-9e8f-1a2b3c4d5e6f';
const registry = createSchemaRegistry({ url: stackEndpoints().schemaRegistryUrl });
const codec = () => new AvroCodec(registry, catalogContract(), { autoRegister: true });

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
    const register = jest.spyOn(registry, 'register');
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
    const down = new AvroCodec(createSchemaRegistry({ url: 'http://127.0.0.1:1/apis/ccompat/v7' }), catalogContract(), {
      autoRegister: true,
    });
    await expect(down.encode('user_deleted', 1, { userId })).rejects.toMatchObject({
      code: 'SCHEMA_REGISTRY_UNAVAILABLE',
      retryable: true,
    });
  });
});
