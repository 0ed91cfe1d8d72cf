import { ConfigError } from '@kafka-platform/core';
import { loadOutboxRelayMode } from './outbox-relay-mode';

describe('OUTBOX_RELAY', () => {
  it('is polling unless cdc is asked for', () => {
    expect(loadOutboxRelayMode({})).toBe('polling');
    expect(loadOutboxRelayMode({ OUTBOX_RELAY: 'cdc' })).toBe('cdc');
  });

  it('stops the start naming the variable on any other value', () => {
    expect(() => loadOutboxRelayMode({ OUTBOX_RELAY: 'debezium' })).toThrow(ConfigError);
    expect(() => loadOutboxRelayMode({ OUTBOX_RELAY: 'debezium' })).toThrow(/OUTBOX_RELAY must be one of polling, cdc/);
  });
});
