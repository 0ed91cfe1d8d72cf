// The compatibility gate on the real registry: each schema version is accepted after all earlier ones under
// the registry's rule (the platform's global BACKWARD_TRANSITIVE), and an incompatible change is refused with HTTP 409.
import { EVENT_TYPES, readSchema, schemaVersions } from '@kafka-platform/events';
import { deleteSubject, stackEndpoints, uniqueName } from '@kafka-platform/testing';

const url = stackEndpoints().schemaRegistryUrl;
const subjects: string[] = [];

async function register(subject: string, schema: string): Promise<Response> {
  return fetch(`${url}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schemaType: 'AVRO', schema }),
  });
}

async function compatibleWithLatest(subject: string, schema: string): Promise<boolean> {
  const response = await fetch(`${url}/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schemaType: 'AVRO', schema }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { is_compatible: boolean }).is_compatible;
}

afterAll(async () => {
  for (const subject of subjects) await deleteSubject(subject);
});

describe('schema compatibility on the registry', () => {
  it.each(EVENT_TYPES)('accepts every version of %s in order, each compatible with the one before', async (type) => {
    const subject = uniqueName(`compat-${type}`);
    subjects.push(subject);
    for (const version of await schemaVersions(type)) {
      const schema = await readSchema(type, version);
      if (version > 1) expect(await compatibleWithLatest(subject, schema)).toBe(true);
      expect((await register(subject, schema)).status).toBe(200);
    }
  });

  it('refuses a new_user version that adds a field without a default (409)', async () => {
    const subject = uniqueName('compat-negative');
    subjects.push(subject);
    const v2 = JSON.parse(await readSchema('new_user', 2)) as { fields: object[] };
    expect((await register(subject, JSON.stringify(v2))).status).toBe(200);
    const breaking = { ...v2, fields: [...v2.fields, { name: 'referrer', type: 'string' }] };

    expect(await compatibleWithLatest(subject, JSON.stringify(breaking))).toBe(false);
    expect((await register(subject, JSON.stringify(breaking))).status).toBe(409);
  });
});
