import { CONSUMER_GROUPS, catalogEntry, eventCatalog, subjectFor } from './catalog';
import { LATEST_VERSIONS } from './generated/event-types.generated';
import { EVENT_TYPES } from './schemas';

describe('event catalog', () => {
  it('has one entry per event type, filed under its wire name', () => {
    expect(Object.keys(eventCatalog).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) expect(eventCatalog[type].type).toBe(type);
  });

  // The user events; an event added for another aggregate (nx g @kafka-platform/plugin:event) goes to its own topic.
  const USER_EVENTS = ['new_user', 'user_updated', 'user_deleted'] as const;
  it.each(USER_EVENTS)('%s goes to user-events keyed by userId, written by the user-service', (type) => {
    expect(catalogEntry(type)).toMatchObject({ topic: 'user-events', keyField: 'userId', producer: 'user-service' });
  });

  it('files the derived analytics events under their own topics, written by signup-analytics', () => {
    expect(catalogEntry('signups_per_minute')).toMatchObject({
      topic: 'user-signups-per-minute',
      keyField: 'windowKey',
      producer: 'signup-analytics',
      cleanupPolicy: 'compact',
    });
    expect(catalogEntry('signup_by_domain')).toMatchObject({
      topic: 'user-signups-by-domain',
      keyField: 'userId',
      producer: 'signup-analytics',
    });
  });

  it('names the groups that consume each event', () => {
    expect(catalogEntry('new_user').consumerGroups).toEqual(['email-service', 'dashboard-service']);
    expect(catalogEntry('user_updated').consumerGroups).toEqual(['dashboard-service']);
    expect(catalogEntry('user_deleted').consumerGroups).toEqual(['email-service', 'dashboard-service']);
    expect(catalogEntry('signups_per_minute').consumerGroups).toEqual(['dashboard-service']);
  });

  it('lists exactly the consumer groups the catalog uses', () => {
    const used = new Set(Object.values(eventCatalog).flatMap((entry) => entry.consumerGroups));

    expect(new Set(CONSUMER_GROUPS)).toEqual(used);
  });

  it.each(EVENT_TYPES)('%s: the latest version is the highest and the generated one', (type) => {
    const { versions, latestVersion } = catalogEntry(type);

    expect(latestVersion).toBe(Math.max(...versions));
    expect(latestVersion).toBe(LATEST_VERSIONS[type]);
  });

  it('refuses an unknown event type, naming it and the known ones', () => {
    expect(() => catalogEntry('user_created')).toThrow(
      'Unknown event type "user_created"; the catalog knows new_user, user_updated, user_deleted, signups_per_minute, signup_by_domain',
    );
    expect(() => catalogEntry('toString')).toThrow('Unknown event type "toString"');
  });
});

describe('subjectFor', () => {
  it('names subjects <topic>-<record full name> (TopicRecordNameStrategy)', () => {
    expect(subjectFor('new_user')).toBe('user-events-dev.kafkaplatform.users.NewUser');
    expect(subjectFor('user_updated')).toBe('user-events-dev.kafkaplatform.users.UserUpdated');
    expect(subjectFor('user_deleted')).toBe('user-events-dev.kafkaplatform.users.UserDeleted');
  });

  it('follows the topic the record really goes to, e.g. a namespaced one', () => {
    expect(subjectFor('new_user', 'ci_42.user-events')).toBe('ci_42.user-events-dev.kafkaplatform.users.NewUser');
  });
});
