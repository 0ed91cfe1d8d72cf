import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot, imagePinsFrom, imageTag, readImagePins } from './images';

describe('image pins from the repo root .env', () => {
  const root = findRepoRoot();

  it('finds the repo root: the folder with .env and nx.json', () => {
    expect(readFileSync(join(root, 'nx.json'), 'utf8')).toContain('"targetDefaults"');
    expect(() => findRepoRoot('/')).toThrow('No folder with both .env and nx.json above /');
  });

  it('reads every pin from the real .env, each with a version tag that is not latest', () => {
    const pins = readImagePins();
    expect(pins.kafka).toMatch(/^apache\/kafka:4\.\d+\.\d+$/);
    expect(pins.apicurio).toMatch(/^apicurio\/apicurio-registry:3\.(3|[4-9])\.\d+$/);
    expect(pins.postgres).toMatch(/^postgres:\d+/);
    expect(pins.mailpit).toMatch(/^axllent\/mailpit:v\d+/);
    expect(pins.keycloak).toMatch(/^quay\.io\/keycloak\/keycloak:26\.\d+\.\d+$/);
    for (const image of Object.values(pins)) {
      expect(imageTag(image)).toMatch(/^v?\d+\.\d+/);
    }
  });

  // The three ways to run the platform (local stack, compose, Testcontainers) run the same Kafka and registry, and
  // the local stack and compose the same Keycloak.
  it('pins the Kafka, Apicurio and Keycloak versions the local stack runs', () => {
    const settings = readFileSync(join(root, 'tools/local-stack/lib/settings.mjs'), 'utf8');
    const version = (block: string) =>
      new RegExp(`export const ${block} = \\{\\s*version: '([^']+)'`).exec(settings)?.[1];
    const pins = readImagePins(root);
    expect(imageTag(pins.kafka)).toBe(version('kafka'));
    expect(imageTag(pins.apicurio)).toBe(version('registry'));
    expect(imageTag(pins.keycloak)).toBe(version('keycloak'));
  });
});

describe('imagePinsFrom', () => {
  const complete = [
    '# comment',
    '',
    'KAFKA_IMAGE=apache/kafka:4.3.1',
    'APICURIO_IMAGE="apicurio/apicurio-registry:3.3.3"',
    "POSTGRES_IMAGE='postgres:17.6-alpine'",
    'MAILPIT_IMAGE = axllent/mailpit:v1.27.10',
    'KEYCLOAK_IMAGE=quay.io/keycloak/keycloak:26.4.7',
  ];

  it('parses KEY=value lines, quoted or not', () => {
    expect(imagePinsFrom(complete.join('\n'))).toEqual({
      kafka: 'apache/kafka:4.3.1',
      apicurio: 'apicurio/apicurio-registry:3.3.3',
      postgres: 'postgres:17.6-alpine',
      mailpit: 'axllent/mailpit:v1.27.10',
      keycloak: 'quay.io/keycloak/keycloak:26.4.7',
    });
  });

  it('names the missing pin', () => {
    const text = complete.filter((line) => !line.startsWith('MAILPIT')).join('\n');
    expect(() => imagePinsFrom(text, '/repo/.env')).toThrow('MAILPIT_IMAGE is missing from /repo/.env');
  });

  it.each(['apache/kafka', 'apache/kafka:latest', 'localhost:5000/apache/kafka'])(
    'refuses the unpinned %s',
    (image) => {
      const text = complete.map((line) => (line.startsWith('KAFKA') ? `KAFKA_IMAGE=${image}` : line)).join('\n');
      expect(() => imagePinsFrom(text)).toThrow(`KAFKA_IMAGE=${image} in .env is not pinned`);
    },
  );

  it('accepts a registry with a port and a digest pin', () => {
    const digest = `apache/kafka@sha256:${'a'.repeat(64)}`;
    const text = complete
      .map((line) => (line.startsWith('KAFKA') ? `KAFKA_IMAGE=${digest}` : line))
      .map((line) => (line.startsWith('POSTGRES') ? 'POSTGRES_IMAGE=localhost:5000/postgres:17.6' : line))
      .join('\n');
    expect(imagePinsFrom(text)).toMatchObject({ kafka: digest, postgres: 'localhost:5000/postgres:17.6' });
  });
});
