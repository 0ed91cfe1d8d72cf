import { Type } from 'avsc';
import { readSchema } from './schemas';

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
});
