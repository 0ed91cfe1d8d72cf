// Two email-service instances share the group; one is killed with kill -9 in the middle of a burst. Its partitions
// move to the other one (session timeout 10 s), and every user gets exactly one welcome mail (one Message-ID; a mail
// in flight at the kill may reach the sink twice under that Message-ID, as SMTP has no idempotency key).
import { PlatformUnderTest, waitFor } from '@kafka-platform/testing';
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { created, signUpsAtRate } from './support/load';
import { delivered } from './support/outcome';
import { recordFault, secondsSince } from './support/report';
import { BROKERS } from './support/stack-control';

/** The partitions each member of a group holds, as the group coordinator tells it. */
async function assignment(group: string): Promise<number[][]> {
  const admin = new Kafka({ brokers: BROKERS, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([group]);
    return (groups[0]?.members ?? []).map((member) => {
      const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      return Object.values(decoded?.assignment ?? {})
        .flat()
        .sort((a, b) => a - b);
    });
  } finally {
    await admin.disconnect();
  }
}

describe('two email-service instances, one killed mid-stream', () => {
  let platform: PlatformUnderTest;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({
      instances: { 'email-service': 2 },
      env: { KAFKA_BROKERS: BROKERS.join(','), LOG_LEVEL: 'warn' },
    });
  }, 180_000);
  afterAll(() => platform?.close(), 120_000);

  it("b. moves the killed instance's partitions within about 15 s, and mails every user exactly once", async () => {
    const group = platform.group('email-service');
    await waitFor('both instances to hold partitions', async () => {
      const members = await assignment(group);
      return members.length === 2 && members.every((partitions) => partitions.length > 0);
    });
    const load = signUpsAtRate(platform, { count: 400, perSecond: 20, label: 'email-killed' });
    await waitFor('the burst to be under way', () => load.answered() >= 100, { timeoutMs: 30_000 });
    // Each partition handles one record at a time (KAFKA_KEY_CONCURRENCY 1): the victim has at most this many in flight.
    const inFlightAtMost = Math.max(...(await assignment(group)).map((partitions) => partitions.length));
    const [, victim] = platform.instances('email-service');
    const killedAt = Date.now();
    await victim?.kill();
    await waitFor(
      'the survivor to hold every partition',
      async () => {
        const members = await assignment(group);
        return members.length === 1 && members[0]?.length === 6;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const movedAfter = secondsSince(killedAt);
    expect(movedAfter).toBeLessThan(20);

    const users = created(await load.done);
    expect(users).toHaveLength(400);
    const outcome = await delivered(platform, users);
    expect(outcome).toMatchObject({ delivered: 400, duplicates: 0, deadLettered: 0 });
    // The one window SMTP leaves (welcome-mail.service.ts): a mail the sink accepted from the victim whose COMMIT the
    // kill prevented goes out again, with the same Message-ID. Only a mail in flight at the kill can be in it; every
    // event the victim had recorded must be dropped by the inbox, not sent again.
    expect(outcome.resent).toBeLessThanOrEqual(inFlightAtMost);
    const recovery = secondsSince(killedAt);

    // A replacement, as Kubernetes would start one: ready (consumer joined, partitions shared) within 10 s.
    const restarting = Date.now();
    await platform.addInstance('email-service');
    const readyAfter = secondsSince(restarting);
    expect(readyAfter).toBeLessThan(10);
    recordFault({
      fault: 'b. one of two email-service instances killed (kill -9) mid-stream',
      ...outcome,
      recoverySeconds: recovery,
      notes: `partitions moved to the survivor ${movedAfter} s after the kill; resent at most ${inFlightAtMost} (in flight); a new instance ready in ${readyAfter} s; counted from the kill`,
    });
  });
});
