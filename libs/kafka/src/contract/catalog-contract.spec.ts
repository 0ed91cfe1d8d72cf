import { EVENT_TYPES, subjectFor } from '@kafka-platform/events';
import { catalogContract } from './catalog-contract';

describe('catalogContract subjects', () => {
  it("without a namespace: exactly the contract's subjects, <topic>-<record full name>", () => {
    const contract = catalogContract();
    expect(EVENT_TYPES.map((type) => contract.subjectFor(type))).toEqual([
      'user-events-dev.kafkaplatform.users.NewUser',
      'user-events-dev.kafkaplatform.users.UserUpdated',
      'user-events-dev.kafkaplatform.users.UserDeleted',
      'user-signups-per-minute-dev.kafkaplatform.analytics.SignupsPerMinute',
      'user-signups-by-domain-dev.kafkaplatform.analytics.SignupByDomain',
      'user-keys-dev.kafkaplatform.users.UserKey',
    ]);
    expect(EVENT_TYPES.map((type) => contract.subjectFor(type))).toEqual(EVENT_TYPES.map((type) => subjectFor(type)));
  });

  it('with a namespace: TopicRecordNameStrategy on the namespaced topic the record really goes to', () => {
    const contract = catalogContract('ci_7');
    expect(contract.subjectFor('new_user')).toBe('ci_7.user-events-dev.kafkaplatform.users.NewUser');
    for (const type of EVENT_TYPES)
      expect(contract.subjectFor(type).startsWith(`${contract.topicOf(type)}-`)).toBe(true);
  });

  it('refuses an event type the catalog does not know, as for topics', () => {
    expect(() => catalogContract('ci_7').subjectFor('user_created')).toThrow(/Unknown event type "user_created"/);
  });
});
