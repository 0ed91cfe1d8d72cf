// The producer adapter's answers to what @platformatic/kafka reports, with the library stood in for: most of these
// broker answers cannot be provoked on demand (platformatic-conformance.spec.ts proves the rest on the real broker).
// The errors have the shapes of the library's own classes (errors.js): GenericError subclasses with a PLT_KFK_ code
// and canRetry, a ProtocolError naming Kafka's error in apiId, retries and per-broker sends wrapped in MultipleErrors.
import type { Producer } from '@platformatic/kafka';
import { classifyError } from '../errors/platform-error';
import { partitionForKey } from './murmur2';
import { PlatformaticProducer } from './platformatic-producer';

const protocolError = (apiId: string, canRetry: boolean) =>
  Object.assign(new Error(`broker says ${apiId}`), { code: 'PLT_KFK_PROTOCOL', apiId, canRetry });
const multiple = (message: string, errors: Error[]) =>
  Object.assign(new AggregateError(errors, message), { code: 'PLT_KFK_MULTIPLE' });
/** What a send whose broker kept refusing rejects with: per-broker sends, then the retries, then the response. */
const refused = (apiId: string, canRetry: boolean) =>
  multiple('Producing messages failed.', [
    multiple('produce failed 6 times.', [
      multiple('Received response with error while executing API Produce(v11)', [protocolError(apiId, canRetry)]),
    ]),
  ]);

interface SendArguments {
  messages: { partition: number; key?: Buffer; headers: Map<Buffer, Buffer> }[];
  acks: number;
}

function standIn(answer: (send: SendArguments) => Promise<unknown>, metadata = async () => ({ partitionsCount: 3 })) {
  const made: { closed: boolean; sends: SendArguments[] }[] = [];
  const producer = new PlatformaticProducer(() => {
    const state = { closed: false, sends: [] as SendArguments[] };
    made.push(state);
    return {
      metadata: async ({ topics }: { topics: string[] }) => {
        const topic = topics[0];
        return { topics: new Map(topic ? [[topic, await metadata()]] : []), brokers: new Map() };
      },
      initIdempotentProducer: async () => ({ producerId: 1n, producerEpoch: 0 }),
      send: (options: SendArguments) => {
        state.sends.push(options);
        return answer(options);
      },
      close: async () => void (state.closed = true),
    } as unknown as Producer;
  });
  return { producer, made };
}

const record = (key: string | null) => ({ key, value: Buffer.from('v'), headers: { h: 'x' } });

describe('PlatformaticProducer', () => {
  it('partitions by murmur2 itself and gives each record its offset, in input order, from the base offsets', async () => {
    const keys = ['a', 'b', 'a', 'c', 'b', 'a'];
    const { producer, made } = standIn(async ({ messages }) => ({
      offsets: [...new Set(messages.map((m) => m.partition))].map((partition) => ({
        topic: 't',
        partition,
        offset: 10n * BigInt(partition + 1),
      })),
    }));
    const produced = await producer.send('t', keys.map(record));

    const [send] = made[0]?.sends ?? [];
    expect(send?.acks).toBe(-1);
    expect(send?.messages.map((m) => m.partition)).toEqual(keys.map((k) => partitionForKey(Buffer.from(k), 3)));
    expect(send?.messages[0]?.headers).toEqual(new Map([[Buffer.from('h'), Buffer.from('x')]]));
    const next = new Map<number, bigint>();
    expect(produced).toEqual(
      keys.map((key) => {
        const partition = partitionForKey(Buffer.from(key), 3);
        const offset = next.get(partition) ?? 10n * BigInt(partition + 1);
        next.set(partition, offset + 1n);
        return { topic: 't', partition, offset: String(offset) };
      }),
    );
  });

  it('sends records without a key round-robin over the partitions', async () => {
    const { producer, made } = standIn(async ({ messages }) => ({
      offsets: messages.map(({ partition }) => ({ topic: 't', partition, offset: 0n })),
    }));
    await producer.send('t', [record(null), record(null), record(null)]);
    expect(made[0]?.sends[0]?.messages.map((m) => [m.partition, m.key])).toEqual([
      [0, undefined],
      [1, undefined],
      [2, undefined],
    ]);
  });

  it("reports Kafka's refusal by its name with Kafka's retry verdict, from under the library's wrappers", async () => {
    const { producer } = standIn(async ({ messages }) => {
      throw refused(
        messages.length === 1 ? 'NOT_ENOUGH_REPLICAS' : 'TOPIC_AUTHORIZATION_FAILED',
        messages.length === 1,
      );
    });
    const notEnough = await producer.send('t', [record('k')]).catch((error: unknown) => error);
    expect(notEnough).toMatchObject({ code: 'NOT_ENOUGH_REPLICAS', retryable: true });
    expect(classifyError(notEnough)).toMatchObject({ kind: 'transient' });
    const denied = await producer.send('t', [record('k'), record('l')]).catch((error: unknown) => error);
    expect(denied).toMatchObject({ code: 'TOPIC_AUTHORIZATION_FAILED', retryable: false });
    expect(classifyError(denied)).toMatchObject({ code: 'TOPIC_AUTHORIZATION_FAILED', kind: 'poison' });
  });

  it('reports a stale idempotent state as retryable, the library having dropped its producer id', async () => {
    const { producer } = standIn(async () => {
      throw refused('OUT_OF_ORDER_SEQUENCE_NUMBER', false);
    });
    const failure = await producer.send('t', [record('k')]).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'PRODUCER_STATE_RESET', retryable: true });
    expect(classifyError(failure).kind).toBe('transient');
  });

  it('never takes a send without an offset for every partition written to for a success', async () => {
    const { producer } = standIn(async ({ messages }) => ({
      offsets: [{ topic: 't', partition: messages[0]?.partition, offset: 5n }],
    }));
    const keys = ['a', 'b', 'c'].filter((key, i, all) =>
      all.slice(0, i).every((k) => partitionForKey(Buffer.from(k), 3) !== partitionForKey(Buffer.from(key), 3)),
    );
    expect(keys.length).toBeGreaterThan(1);
    const failure = await producer.send('t', keys.map(record)).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'KAFKA_WRITE_UNCONFIRMED', retryable: true });
  });

  it('names a missing topic as final and leaves a broker that does not answer to classifyError, as transient', async () => {
    const unknown = standIn(
      async () => ({}),
      async () => {
        throw Object.assign(new Error('Unknown topic t.'), { code: 'PLT_KFK_USER', canRetry: false });
      },
    );
    await expect(unknown.producer.send('t', [record('k')])).rejects.toMatchObject({
      code: 'UNKNOWN_TOPIC',
      retryable: false,
      message: expect.stringContaining('Topic "t" does not exist'),
    });
    const down = standIn(async () => {
      throw multiple('Producing messages failed.', [
        Object.assign(new Error('Connection to localhost:9092 failed.'), { code: 'PLT_KFK_NETWORK', canRetry: true }),
      ]);
    });
    const failure = await down.producer.send('t', [record('k')]).catch((error: unknown) => error);
    expect(classifyError(failure)).toMatchObject({ code: 'PLT_KFK_NETWORK', kind: 'transient' });
  });

  it('reports refused credentials at once, as the connection failure they are, never as a refused write', async () => {
    // The library wraps a SASL refusal in the network error it retries (clients/base, network/connection.js).
    const refusedLogin = () =>
      multiple('Cannot connect to any broker.', [
        Object.assign(new Error('Connection to localhost:9094 failed.'), {
          code: 'PLT_KFK_NETWORK',
          canRetry: true,
          cause: Object.assign(new Error('SASL authentication failed.'), {
            code: 'PLT_KFK_AUTHENTICATION',
            canRetry: false,
            cause: multiple('Received response with error while executing API SaslAuthenticate(v2)', [
              protocolError('SASL_AUTHENTICATION_FAILED', false),
            ]),
          }),
        }),
      ]);
    const asked: (number | undefined)[] = [];
    const login = new PlatformaticProducer(
      () =>
        ({
          metadata: async ({ retries }: { retries?: number }) => {
            asked.push(retries);
            throw refusedLogin();
          },
          close: async () => undefined,
        }) as unknown as Producer,
    );
    const failure = await login.connect().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'PLT_KFK_AUTHENTICATION', message: 'SASL authentication failed.' });
    expect(asked).toEqual([0]); // one attempt, no retries
    expect(classifyError(failure)).toMatchObject({ kind: 'unknown' });

    const { producer } = standIn(async () => {
      throw refusedLogin();
    });
    const sent = await producer.send('t', [record('k')]).catch((error: unknown) => error);
    expect(sent).toMatchObject({ code: 'PLT_KFK_AUTHENTICATION' });
    expect(classifyError(sent).kind).not.toBe('poison');
  });

  it('uses a new library producer after a disconnect, as a closed one never reopens', async () => {
    const { producer, made } = standIn(async () => ({ offsets: [{ topic: 't', partition: 0, offset: 0n }] }));
    await producer.connect();
    await producer.disconnect();
    expect(made[0]?.closed).toBe(true);
    await producer.send('t', [record(null)]);
    expect(made).toHaveLength(2);
    expect(made[1]?.sends).toHaveLength(1);
  });
});
