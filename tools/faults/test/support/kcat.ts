// Kafka read with kcat (librdkafka), a client this project did not write: what the platform really put there.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BROKERS } from './stack-control';

export interface KcatRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Every record of a topic, from the beginning to its end now. */
export async function kcatRecords(topic: string): Promise<KcatRecord[]> {
  const { stdout } = await promisify(execFile)(
    'kcat',
    ['-C', '-b', BROKERS.join(','), '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p\t%o\t%k\t%h\n'],
    { maxBuffer: 256 * 1024 * 1024, timeout: 120_000 },
  ).catch((error: NodeJS.ErrnoException & { stderr?: string }) => {
    if (error.code === 'ENOENT') throw new Error('kcat is needed for the fault tests (Debian: apt-get install kcat)');
    throw new Error(`kcat failed on ${topic}: ${error.stderr ?? error.message}`);
  });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [partition, offset, key, headers = ''] = line.split('\t');
      return {
        partition: Number(partition),
        offset: Number(offset),
        key: key ?? '',
        headers: Object.fromEntries(
          headers
            .split(',')
            .filter(Boolean)
            .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
        ),
      };
    });
}

/** How many records a topic holds; 0 for a topic that was never created (a DLQ nothing went to). */
export async function kcatCount(topic: string): Promise<number> {
  return (
    await kcatRecords(topic).catch((error: Error) => {
      if (/Unknown topic|UNKNOWN_TOPIC/i.test(error.message)) return [];
      throw error;
    })
  ).length;
}
