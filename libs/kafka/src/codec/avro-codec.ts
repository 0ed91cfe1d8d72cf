import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Type } from 'avsc';
import type { Resolver } from 'avsc';
import { PoisonRecordError } from '../errors/platform-error';
import { PlatformError, TransientError } from '@kafka-platform/core';
import { RegistryApi } from '../schemas/registry-api';

/** Where the codec gets schemas and subject names: the event contract (libs/events). */
export interface SchemaSource {
  readSchema(type: string, version: number): Promise<string>;
  subjectFor(type: string): string;
}

/** Where the codec gets the ids of its own schemas, by subject (RegistryApi, the registry's Confluent REST API). */
export interface SubjectSchemas {
  /** Registers the schema under the subject, or finds it there: its id either way. */
  register(subject: string, schema: string): Promise<{ id: number }>;
  /** The schema's id under the subject; undefined when it is not registered there. */
  lookup(subject: string, schema: string): Promise<{ id: number } | undefined>;
}

const MAGIC_BYTE = 0;
const HEADER_LENGTH = 5;

/**
 * Avro in the Confluent wire format (0x00, 4-byte schema id, Avro body) over a Confluent-compatible registry.
 * Ids, writer types and resolvers are cached, so the hot path does no registry round trip after the first record.
 */
export class AvroCodec {
  private readonly ids = new Map<string, Promise<number>>();
  private readonly types = new Map<string, Promise<Type>>();
  private readonly resolvers = new Map<string, Promise<{ reader: Type; resolver: Resolver | undefined }>>();

  /**
   * `registry` reads writers' schemas by id (decode); `options.subjects` registers or looks up the ids of the
   * catalog's schemas (encode).
   */
  constructor(
    private readonly registry: SchemaRegistry,
    private readonly schemas: SchemaSource,
    private readonly options: { autoRegister: boolean; subjects: SubjectSchemas },
  ) {}

  async encode(type: string, version: number, payload: unknown): Promise<Buffer> {
    const [id, avro] = await Promise.all([this.schemaId(type, version), this.validate(type, version, payload)]);
    const header = Buffer.alloc(HEADER_LENGTH);
    header.writeUInt8(MAGIC_BYTE, 0);
    header.writeInt32BE(id, 1);
    return Buffer.concat([header, avro.toBuffer(payload)]);
  }

  /** Checks a payload against the local schema, without the registry: an outbox refuses bad events up front. */
  async validate(type: string, version: number, payload: unknown): Promise<Type> {
    const avro = await this.localType(type, version);
    const problems: string[] = [];
    if (!avro.isValid(payload, { errorHook: (path) => problems.push(path.join('.') || '(root)') })) {
      throw new PlatformError(
        'INVALID_PAYLOAD',
        `${type} v${version} payload is invalid at: ${problems.join(', ')}`,
        false,
      );
    }
    return avro;
  }

  /** Decodes with the writer's schema and resolves into the reader's version, so v1 and v2 interoperate. */
  async decode(value: Buffer | null, type: string, readerVersion: number): Promise<unknown> {
    if (!value || value.length === 0) throw new PoisonRecordError('EMPTY_VALUE', 'Record has no value');
    if (value.length < HEADER_LENGTH || value.readUInt8(0) !== MAGIC_BYTE) {
      throw new PoisonRecordError('BAD_MAGIC_BYTE', `Value does not start with the Confluent magic byte 0x00`);
    }
    const id = value.readInt32BE(1);
    const { reader, resolver } = await this.resolverFor(id, type, readerVersion);
    try {
      return reader.fromBuffer(value.subarray(HEADER_LENGTH), resolver);
    } catch (error) {
      throw new PoisonRecordError('INVALID_PAYLOAD', `Value is not valid ${type} data for schema ${id}`, {
        cause: error,
      });
    }
  }

  /**
   * The registry id of a local schema: registered on first use in development, only looked up in production, where
   * `npm run schemas -- register` (the prod overlay's schemas-register Job) registers them before the services run.
   * Not registered yet is retryable (SCHEMA_NOT_REGISTERED): an outbox keeps the event until the schema is there.
   */
  schemaId(type: string, version: number): Promise<number> {
    return this.cached(this.ids, `${type}@${version}`, async () => {
      const schema = await this.schemas.readSchema(type, version);
      const subject = this.schemas.subjectFor(type);
      let found: { id: number } | undefined;
      try {
        if (this.options.autoRegister) return (await this.options.subjects.register(subject, schema)).id;
        found = await this.options.subjects.lookup(subject, schema);
      } catch (error) {
        throw schemaIdError(error, `registering or looking up ${type} v${version} under ${subject}`);
      }
      if (!found) {
        throw new PlatformError(
          'SCHEMA_NOT_REGISTERED',
          `${type} v${version} is not registered under subject ${subject}; register the catalog's schemas first ` +
            '(npm run schemas -- register; in Kubernetes the schemas-register Job)',
          true,
        );
      }
      return found.id;
    });
  }

  private localType(type: string, version: number): Promise<Type> {
    return this.cached(this.types, `${type}@${version}`, async () =>
      Type.forSchema(JSON.parse(await this.schemas.readSchema(type, version))),
    );
  }

  private resolverFor(id: number, type: string, readerVersion: number) {
    return this.cached(this.resolvers, `${id}>${type}@${readerVersion}`, async () => {
      const writer = await this.registry.getSchema(id).catch((error: unknown) => {
        throw registryError(error, `fetching schema ${id}`);
      });
      const reader = await this.localType(type, readerVersion);
      try {
        // A record written with the reader's own schema needs no resolution: reading through a resolver costs more.
        const same = reader.equals(writer as unknown as Type);
        return { reader, resolver: same ? undefined : reader.createResolver(writer as unknown as Type) };
      } catch (error) {
        throw new PoisonRecordError('INVALID_PAYLOAD', `Schema ${id} cannot be read as ${type} v${readerVersion}`, {
          cause: error,
        });
      }
    });
  }

  /** Caches the promise, and forgets it on failure so a transient error is retried next time. */
  private cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    let value = cache.get(key);
    if (!value) {
      value = load();
      cache.set(key, value);
      value.catch(() => cache.delete(key));
    }
    return value;
  }
}

function registryError(error: unknown, what: string): PlatformError {
  const status = (error as { status?: number }).status;
  const message = `Schema registry failed ${what}: ${(error as Error).message}`;
  if (status === 404) return new PoisonRecordError('UNKNOWN_SCHEMA_ID', message, { cause: error });
  return schemaIdError(error, what);
}

/** A refusal of the schema itself (409 incompatible, 422 invalid) is final; anything else is the registry's outage. */
function schemaIdError(error: unknown, what: string): PlatformError {
  const status = (error as { status?: number }).status;
  const message = `Schema registry failed ${what}: ${(error as Error).message}`;
  if (status === 409 || status === 422)
    return new PlatformError('SCHEMA_INCOMPATIBLE', message, false, { cause: error });
  return new TransientError('SCHEMA_REGISTRY_UNAVAILABLE', message, { cause: error });
}

export function createSchemaRegistry(config: {
  url: string;
  auth?: { username: string; password: string };
}): SchemaRegistry {
  return new SchemaRegistry({ host: config.url, ...(config.auth && { auth: config.auth }) });
}

/** The codec for a registry configuration (KafkaConfig['schemaRegistry']) and an event contract. */
export function createAvroCodec(
  config: { url: string; auth?: { username: string; password: string }; autoRegister: boolean },
  schemas: SchemaSource,
): AvroCodec {
  return new AvroCodec(createSchemaRegistry(config), schemas, {
    autoRegister: config.autoRegister,
    subjects: new RegistryApi({ url: config.url, ...(config.auth && { auth: config.auth }) }),
  });
}
