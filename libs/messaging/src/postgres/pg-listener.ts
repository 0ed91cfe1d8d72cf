import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import type { ClientConfig, Notification } from 'pg';
import type { DataSource } from 'typeorm';

export interface PgListenerOptions {
  /** Called for every notification on the channel, with its payload ('' when none was sent). */
  readonly onNotify: (payload: string) => void;
  /**
   * Called after every (re)connection: notifications sent while the connection was down are lost, so the owner
   * catches up here (reads what it may have missed).
   */
  readonly onConnect?: () => void;
  readonly logger?: Logger;
}

const RECONNECT_MS = { initial: 250, max: 5_000 } as const;

/**
 * LISTEN on one PostgreSQL channel over a dedicated connection that outlives database restarts: when the
 * connection fails or ends it is replaced, with backoff, until stop(). A pooled connection is not used, since it
 * would hold one of the pool's slots for good and be handed back broken after a restart.
 */
export class PgListener {
  private client?: Client;
  private stopped = false;
  private failures = 0;
  private timer?: NodeJS.Timeout;
  private connecting?: Promise<void>;

  constructor(
    private readonly config: ClientConfig,
    private readonly channel: string,
    private readonly options: PgListenerOptions,
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`Not a plain channel name: ${channel}`);
  }

  /** The connection settings of a TypeORM data source on PostgreSQL (its pg pool's). */
  static configOf(dataSource: DataSource): ClientConfig {
    const pool = (dataSource.driver as unknown as { master: { options: ClientConfig } }).master;
    return { ...pool.options, keepAlive: true };
  }

  /** Whether LISTEN is in place right now (a metric: while it is not, owners fall back to polling). */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Connects in the background; resolves after the first attempt, whatever its outcome. */
  start(): Promise<void> {
    this.stopped = false;
    this.connecting = this.connect();
    return this.connecting;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client(this.config);
    client.on('notification', (message: Notification) => this.options.onNotify(message.payload ?? ''));
    client.on('error', (error: Error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (error) {
      client.removeAllListeners();
      await client.end().catch(() => undefined);
      this.retry(error as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (this.failures > 0) this.options.logger?.log(`LISTEN ${this.channel} re-established`);
    this.failures = 0;
    this.options.onConnect?.();
  }

  private lost(client: Client, error: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners();
    client.on('error', () => undefined); // a late socket error on the dead client must not crash the process
    void client.end().catch(() => undefined);
    this.retry(error);
  }

  private retry(error: Error): void {
    if (this.stopped) return;
    this.failures += 1;
    if (this.failures === 1 || this.failures % 20 === 0) {
      this.options.logger?.warn(
        `LISTEN ${this.channel} lost (${error.message}); reconnecting (attempt ${this.failures})`,
      );
    }
    const delay = Math.min(RECONNECT_MS.max, RECONNECT_MS.initial * 2 ** Math.min(this.failures - 1, 10));
    this.timer = setTimeout(() => {
      this.connecting = this.connect();
    }, delay);
  }
}
