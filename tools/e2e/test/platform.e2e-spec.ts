import { PlatformUnderTest, mailsTo, readTopic, uniqueName, waitFor } from '@kafka-platform/testing';
import { writeRaw } from './support/kafka';

interface GroupLag {
  groupId: string;
  totalLag: number;
  partitions: { partition: number; committed: string; logEnd: string; lag: number }[];
}

interface Stats {
  totalUsers: number;
  created: number;
}

describe('the platform end to end: three service processes on the real stack', () => {
  let platform: PlatformUnderTest;
  const addresses: string[] = [];

  beforeAll(async () => {
    platform = await PlatformUnderTest.start();
  }, 120_000);
  afterAll(() => platform?.close());

  const signUp = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const email = `${uniqueName('e2e-user')}@example.com`;
      addresses.push(email);
      await platform.createUser({ email, name: `User ${addresses.length}`, locale: i % 2 ? 'de' : 'en' });
    }
  };
  const stats = () => platform.json<Stats>('dashboard-service', '/api/stats');
  const groups = async () =>
    (await platform.json<{ groups: GroupLag[] }>('dashboard-service', '/api/consumer-groups')).groups;
  const lagOf = async (group: string) => (await groups()).find((g) => g.groupId === group);
  // Partitions no record ever reached have nothing to commit (committed -1, log end 0).
  const atLogEnd = (group?: GroupLag) =>
    !!group &&
    group.totalLag === 0 &&
    group.partitions.every((p) => p.committed === p.logEnd || (p.logEnd === '0' && Number(p.committed) < 0));

  it('delivers 3 sign-ups to both groups: 3 welcome mails, /emails lists them, the dashboard counts 3', async () => {
    await signUp(3);
    const mails = await waitFor(
      '3 welcome mails in the SMTP sink',
      async () => {
        const found = await mailsTo(addresses);
        return found.length >= 3 && found;
      },
      { timeoutMs: 15_000 },
    );
    expect(mails.map((mail) => mail.to).sort()).toEqual([...addresses].sort());
    const emails = await platform.json<{ items: { recipient: string }[] }>('email-service', '/emails');
    expect(emails.items.map((item) => item.recipient).sort()).toEqual([...addresses].sort());
    await waitFor('the dashboard to count 3 users', async () => (await stats()).totalUsers === 3, {
      timeoutMs: 15_000,
    });
    await waitFor('both groups to have committed up to the log end', async () => {
      return (
        atLogEnd(await lagOf(platform.group('email-service'))) &&
        atLogEnd(await lagOf(platform.group('dashboard-service')))
      );
    });
  });

  it('keeps the dashboard moving while the email-service is down; the email group catches up without duplicates', async () => {
    expect([0, 'SIGTERM']).toContain(await platform.services['email-service'].stop());
    await signUp(2);
    await waitFor('the dashboard to count 5 users', async () => (await stats()).totalUsers === 5, {
      timeoutMs: 15_000,
    });
    await waitFor(
      'the email group to lag by 2',
      async () => (await lagOf(platform.group('email-service')))?.totalLag === 2,
    );

    await platform.services['email-service'].start();
    await waitFor('the email group to catch up', async () => atLogEnd(await lagOf(platform.group('email-service'))));
    const mails = await waitFor('5 welcome mails', async () => {
      const found = await mailsTo(addresses);
      return found.length >= 5 && found;
    });
    expect(mails).toHaveLength(5);
    expect(new Set(mails.map((mail) => mail.to)).size).toBe(5);
  });

  it('sends a poison record to both groups’ dead-letter topics and keeps consuming', async () => {
    await writeRaw(platform.topic, 'poison', Buffer.from('not avro at all'), {
      'event-id': '00000000-0000-4000-8000-000000000000',
      'event-type': 'new_user',
      'schema-version': '2',
      'occurred-at': new Date().toISOString(),
      'correlation-id': 'e2e-poison',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    for (const group of ['email-service', 'dashboard-service'] as const) {
      const [dead] = await readTopic(`${platform.topic}.${group}.dlq`, (records) => records.length >= 1);
      expect(dead?.key).toBe('poison');
      expect(dead?.headers['dlq-error-code']).toBe('BAD_MAGIC_BYTE');
    }
    await signUp(1);
    await waitFor('the dashboard to count the next sign-up', async () => (await stats()).totalUsers === 6);
    await waitFor('the next welcome mail', async () => (await mailsTo(addresses)).length === 6);
  });
});
