import { Type } from 'avsc';
import { EVENT_TYPES, isEventType, readSchema, schemaVersions, type EventType } from './schemas';

describe('event schemas', () => {
  it('new_user v1 is a valid Avro record that round-trips a user', async () => {
    const type = Type.forSchema(JSON.parse(await readSchema('new_user', 1)));
    const user = { userId: '5b3c6a4e-5d1f-4f7e-9d1a-1d2c3b4a5e6f', email: 'ada@example.com', name: 'Ada' };

    expect(type.name).toBe('dev.kafkaplatform.users.NewUser');
    expect(type.fromBuffer(type.toBuffer(user))).toEqual(user);
  });

  it('rejects a version that does not exist with a clear error', async () => {
    await expect(readSchema('new_user', 0)).rejects.toThrow('Invalid schema version 0 for new_user');
    await expect(readSchema('new_user', 99)).rejects.toThrow(/ENOENT/);
  });

  it('rejects an event type it does not own', async () => {
    await expect(readSchema('user_created' as EventType, 1)).rejects.toThrow('Unknown event type "user_created"');
    await expect(schemaVersions('user_created' as EventType)).rejects.toThrow('Unknown event type "user_created"');
  });

  it('lists the committed versions of each event, ascending', async () => {
    expect(await schemaVersions('new_user')).toEqual([1, 2, 3]);
    expect(await schemaVersions('user_updated')).toEqual([1, 2]);
    expect(await schemaVersions('user_deleted')).toEqual([1]);
    expect(await schemaVersions('signup_by_domain')).toEqual([1, 2]);
    expect(await schemaVersions('user_key')).toEqual([1]);
  });

  it('tells known wire names from others', () => {
    expect(EVENT_TYPES.every(isEventType)).toBe(true);
    expect(isEventType('user_created')).toBe(false);
    expect(isEventType('toString')).toBe(false);
  });
});
