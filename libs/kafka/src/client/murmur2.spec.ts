import { randomBytes } from 'node:crypto';
import { murmur2, partitionForKey } from './murmur2';

// kafkajs' own (Long-based) implementation, the reference the platform's partitions were chosen with until now.
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer) => number;

describe('murmur2', () => {
  it("gives the Java client's hashes (Kafka's UtilsTest vectors)", () => {
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of cases) expect([key, murmur2(Buffer.from(key))]).toEqual([key, hash]);
  });

  it("agrees with kafkajs' partitioner on random keys of every length remainder", () => {
    for (let i = 0; i < 2_000; i++) {
      const key = randomBytes(i % 67);
      expect(murmur2(key)).toBe(kafkajsMurmur2(key));
    }
    const userId = Buffer.from('5b0c8f57-9d0c-4f0e-b0f4-6a1c2e3d4f50');
    expect(partitionForKey(userId, 6)).toBe((kafkajsMurmur2(userId) & 0x7fffffff) % 6);
  });
});
