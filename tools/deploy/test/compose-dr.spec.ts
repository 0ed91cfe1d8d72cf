// docker-compose.dr.yml with --profile dr, checked offline like docker-compose.yml: merged as compose merges it,
// the DR site is a KRaft cluster of its own (its own node, quorum, volume and host port), MirrorMaker waits for
// both clusters and mounts a config whose addresses are those clusters' inter-broker listeners, and without the
// profile nothing changes. Each rule is also shown to fail on a broken copy.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  applyProfiles,
  bindMountSources,
  dependsOnConditions,
  healthchecks,
  imagesPinned,
  kafkaClusterProblems,
  mergeComposeFiles,
  portsFollowContract,
  portsOnLoopback,
  serviceAddresses,
  unsetVariables,
} from './support/compose-rules';
import type { ComposeFile } from './support/compose-rules';
import { repoRoot } from './support/config-env-names';
import { imagePins } from './support/image-pins';

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
const compose = parse(read('docker-compose.yml')) as ComposeFile;
const drText = read('docker-compose.dr.yml');
const dr = parse(drText, { merge: true }) as ComposeFile;
const pins = imagePins();
const project = (profiles: string[] = ['dr']) => applyProfiles(mergeComposeFiles(compose, dr), profiles);

/** key = value lines of a Java properties file (no continuation lines: mm2.properties has none). */
const properties = (text: string) =>
  new Map(
    text
      .split('\n')
      .map((line) => /^\s*([^#=\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => [match[1] as string, match[2] as string]),
  );
const mm2 = properties(read('deploy/compose/mm2.properties'));

/** MirrorMaker's config problems: each cluster's bootstrap is that cluster's inter-broker address in `file`. */
function mirrorProblems(file: ComposeFile, config: Map<string, string>): string[] {
  const expected = { primary: 'kafka', dr: 'kafka-dr' };
  return Object.entries(expected).flatMap(([alias, node]) => {
    const bootstrap = config.get(`${alias}.bootstrap.servers`) ?? '';
    return serviceAddresses(file, node).has(bootstrap)
      ? []
      : [`${alias}.bootstrap.servers ${bootstrap || '(unset)'} is not an address of ${node}`];
  });
}

describe('docker-compose.dr.yml with --profile dr', () => {
  it('adds only kafka-dr and mirror-maker, both in the dr profile', () => {
    expect(unsetVariables(drText, pins)).toEqual([]);
    expect(Object.keys(dr.services)).toEqual(['kafka-dr', 'mirror-maker']);
    for (const service of Object.values(dr.services)) expect(service.profiles).toEqual(['dr']);
    // Without the profile, the project is docker-compose.yml's own (its own profiles left as they are).
    expect(Object.keys(project([]).services).sort()).toEqual(Object.keys(applyProfiles(compose, []).services).sort());
  });

  it('pins its images, checks its health, starts in order and publishes 19092 on loopback only', () => {
    const merged = project();
    expect(imagesPinned(merged, pins)).toEqual([]);
    expect(healthchecks(merged)).toEqual([]);
    expect(dependsOnConditions(merged)).toEqual([]);
    expect(portsOnLoopback(merged)).toEqual([]);
    expect(portsFollowContract(merged, { kafka: [9092], 'kafka-dr': [19092], 'mirror-maker': [] })).toEqual([]);
    expect(bindMountSources(merged, (path) => existsSync(join(repoRoot, path)))).toEqual([]);
    expect(dr.services['mirror-maker']?.depends_on).toEqual({
      kafka: { condition: 'service_healthy' },
      'kafka-dr': { condition: 'service_healthy' },
    });
  });

  it('runs the DR site as a KRaft cluster of its own', () => {
    const alone: ComposeFile = { ...dr, services: { 'kafka-dr': dr.services['kafka-dr'] as never } };
    expect(kafkaClusterProblems(alone)).toEqual([]);
    expect(dr.services['kafka-dr']?.volumes).toEqual([expect.stringMatching(/^kafka-dr-data:/)]);
  });

  it('points MirrorMaker at both clusters, one way, topic names kept, offsets synced', () => {
    expect(mirrorProblems(project(), mm2)).toEqual([]);
    expect(Object.fromEntries(mm2)).toMatchObject({
      clusters: 'primary, dr',
      'primary->dr.enabled': 'true',
      'dr->primary.enabled': 'false',
      'replication.policy.class': 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy',
      'sync.group.offsets.enabled': 'true',
      'primary->dr.groups': 'email-service, dashboard-service',
    });
    expect(new RegExp(`^${mm2.get('primary->dr.topics')}$`).test('user-events')).toBe(true);
    expect(new RegExp(`^${mm2.get('primary->dr.topics')}$`).test('user-events.email-service.dlq')).toBe(true);
    expect(dr.services['mirror-maker']?.command).toEqual([
      '/opt/kafka/bin/connect-mirror-maker.sh',
      '/etc/kafka-platform/mm2.properties',
      '--clusters',
      'dr',
    ]);
  });

  it.each([
    ['the host address of the DR cluster', 'dr.bootstrap.servers', 'localhost:19092', /^dr\.bootstrap/],
    ['a cluster compose does not run', 'primary.bootstrap.servers', 'kafka-9:19092', /^primary\.bootstrap/],
  ])('reports MirrorMaker reading %s', (_, key, value, problem) => {
    const broken = new Map([...mm2, [key, value]]);
    expect(mirrorProblems(project(), broken)).toEqual([expect.stringMatching(problem)]);
  });

  it('reports a DR node sharing the host port of the primary', () => {
    const merged = structuredClone(project());
    (merged.services['kafka-dr'] as { ports: string[] }).ports = ['127.0.0.1:9092:19092'];
    expect(portsFollowContract(merged, { kafka: [9092] })).toEqual(['host port 9092 published by kafka and kafka-dr']);
  });
});
