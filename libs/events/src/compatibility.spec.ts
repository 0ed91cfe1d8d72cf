import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from 'avsc';
import { eventCatalog } from './catalog';
import { EVENT_TYPES, readSchema, schemaVersions, type EventType } from './schemas';

// The local twin of the registry's compatibility rule: fails in a unit test before a deploy fails to register.

interface Version {
  version: number;
  type: Type;
}

const schemaRoot = join(__dirname, '..', 'schemas');

const avroType = async (event: EventType, version: number) =>
  Type.forSchema(JSON.parse(await readSchema(event, version)));

async function committedVersions(event: EventType): Promise<Version[]> {
  const versions = await schemaVersions(event);
  return Promise.all(versions.map(async (version) => ({ version, type: await avroType(event, version) })));
}

// avsc builds a resolver from a writer's schema to a reader's exactly when the reader can decode the writer's data.
function readFailure(reader: Version, writer: Version): string | undefined {
  try {
    reader.type.createResolver(writer.type);
    return undefined;
  } catch (error) {
    return `v${reader.version} cannot read v${writer.version}: ${(error as Error).message}`;
  }
}

/** BACKWARD_TRANSITIVE: every version must read the data of every earlier version, not just the one before. */
function backwardFailures(versions: Version[]): string[] {
  return versions.flatMap((reader, index) =>
    versions.slice(0, index).flatMap((writer) => readFailure(reader, writer) ?? []),
  );
}

const user = { userId: '5b3c6a4e-5d1f-4f7e-9d1a-1d2c3b4a5e6f', email: 'ada@example.com', name: 'Ada' };

describe('schema compatibility', () => {
  it.each(EVENT_TYPES)('%s: every version reads the data of every earlier version', async (event) => {
    const versions = await committedVersions(event);

    expect(versions.length).toBeGreaterThan(0);
    expect(backwardFailures(versions)).toEqual([]);
  });

  describe('new_user v1 and v2', () => {
    let v1: Type;
    let v2: Type;
    beforeAll(async () => {
      [v1, v2] = await Promise.all([avroType('new_user', 1), avroType('new_user', 2)]);
    });

    it('a v2 reader reads v1 data and fills locale with its default', () => {
      expect(v2.fromBuffer(v1.toBuffer(user), v2.createResolver(v1))).toEqual({ ...user, locale: 'en' });
    });

    it('a v1 reader reads v2 data (forward) and drops locale', () => {
      const decoded = v1.fromBuffer(v2.toBuffer({ ...user, locale: 'de-CH' }), v1.createResolver(v2));

      expect(decoded).toEqual(user);
      expect(decoded).not.toHaveProperty('locale');
    });

    it('the check refuses a v3 that adds a field without a default', async () => {
      const v2Schema = JSON.parse(await readSchema('new_user', 2));
      const v3 = Type.forSchema({ ...v2Schema, fields: [...v2Schema.fields, { name: 'country', type: 'string' }] });

      expect(() => v3.createResolver(v2)).toThrow(/country/);
      const failures = backwardFailures([
        { version: 1, type: v1 },
        { version: 2, type: v2 },
        { version: 3, type: v3 },
      ]);
      expect(failures).toEqual([
        expect.stringMatching(/^v3 cannot read v1: .*country/),
        expect.stringMatching(/^v3 cannot read v2: .*country/),
      ]);
    });
  });
});

describe('schema files and the catalog', () => {
  const catalogFiles = () =>
    Object.values(eventCatalog).flatMap(({ type, versions }) =>
      versions.map((version) => join(type, `v${version}.avsc`)),
    );
  const committedFiles = async () =>
    (await readdir(schemaRoot, { recursive: true })).filter((file) => file.endsWith('.avsc'));

  it('every version in the catalog has a committed .avsc file', async () => {
    const committed = await committedFiles();

    expect(catalogFiles().filter((file) => !committed.includes(file))).toEqual([]);
  });

  it('every committed .avsc file is a version in the catalog', async () => {
    const inCatalog = catalogFiles();

    expect((await committedFiles()).filter((file) => !inCatalog.includes(file))).toEqual([]);
  });

  it.each(EVENT_TYPES)("%s: every version's record full name is the catalog's", async (event) => {
    const names = (await committedVersions(event)).map(({ type }) => type.name);

    expect(new Set(names)).toEqual(new Set([eventCatalog[event].recordName]));
  });
});
