// What the transport refuses at start-up (pure logic: the host is a stand-in that records what it was given).
import type { EventHandlerRegistration } from '../consumer/consumer-runtime';
import { catalogContract } from '../contract/catalog-contract';
import type { ConsumerHost } from '../nest/consumer-host';
import { KafkaEventTransport } from './kafka-event.transport';

function transport() {
  const started: EventHandlerRegistration[][] = [];
  const host = { start: (handlers: EventHandlerRegistration[]) => started.push(handlers) } as unknown as ConsumerHost;
  return { strategy: new KafkaEventTransport(host, catalogContract()), started };
}

const listen = (strategy: KafkaEventTransport) =>
  new Promise<unknown>((resolve) => strategy.listen((error?: unknown) => resolve(error)));

describe('KafkaEventTransport start-up', () => {
  it('registers each event once, at the version its handlers read (the latest by default)', async () => {
    const { strategy, started } = transport();
    strategy.addHandler('new_user', async () => undefined, true, { version: 1 });
    strategy.addHandler('new_user', async () => undefined, true, { version: 1 });
    strategy.addHandler('user_deleted', async () => undefined, true);

    expect(await listen(strategy)).toBeUndefined();
    expect(started[0]?.map(({ type, version }) => ({ type, version }))).toEqual([
      { type: 'new_user', version: 1 },
      { type: 'user_deleted', version: 1 },
    ]);
  });

  it('refuses handlers of one event that read different versions: one record decodes one way', async () => {
    const { strategy, started } = transport();
    strategy.addHandler('new_user', async () => undefined, true, { version: 1 });
    strategy.addHandler('new_user', async () => undefined, true);

    expect(String(await listen(strategy))).toContain(
      "@EventPattern('new_user') handlers read different versions (1, 3)",
    );
    expect(started).toHaveLength(0);
  });

  it('refuses a @MessagePattern: an event gets no reply', async () => {
    const { strategy } = transport();
    strategy.addHandler('new_user', async () => undefined, false);

    expect(String(await listen(strategy))).toContain('use @EventPattern');
  });
});
