import { deadLetterTopic, USER_EVENTS_TOPIC } from './topics';

describe('topics', () => {
  it('names dead-letter topics <topic>.<group>.dlq', () => {
    expect(deadLetterTopic(USER_EVENTS_TOPIC, 'email-service')).toBe('user-events.email-service.dlq');
  });
});
