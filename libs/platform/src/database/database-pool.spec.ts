import { databaseUrl } from '@kafka-platform/testing';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { DataSource } from 'typeorm';
import { DATABASE_POOL } from './database-pool';

/** The FATAL a server sends to every session when it shuts down (`pg_ctl stop -m fast`). */
function adminShutdown(): Buffer {
  const fields = Buffer.from(
    'SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0\0',
    'latin1',
  );
  const header = Buffer.alloc(5);
  header.write('E', 0, 'latin1');
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

/**
 * A TCP proxy in front of the real PostgreSQL. Armed, it ends each new session the way a server shutting down can:
 * the FATAL in the same write as the ReadyForQuery that completed the connection, so the client reads both at once.
 */
class ShutdownInjector {
  armed = false;
  private readonly sockets = new Set<Socket>();
  private constructor(
    private readonly server: Server,
    private readonly target: URL,
  ) {}

  static async start(target: URL): Promise<ShutdownInjector> {
    const server = createServer();
    const injector = new ShutdownInjector(server, target);
    server.on('connection', (client) => injector.relay(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return injector;
  }

  get url(): string {
    const url = new URL(this.target);
    url.hostname = '127.0.0.1';
    url.port = String((this.server.address() as AddressInfo).port);
    return url.toString();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket): void {
    const server = connect(Number(this.target.port), this.target.hostname);
    const inject = this.armed;
    for (const socket of [client, server]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        server.destroy();
      });
    }
    client.pipe(server);
    if (!inject) {
      server.pipe(client);
      return;
    }
    let pending = Buffer.alloc(0);
    server.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // Server messages: a type byte and a length that counts itself. Forward whole messages up to ReadyForQuery.
      for (let at = 0; at + 5 <= pending.length;) {
        const end = at + 1 + pending.readInt32BE(at + 1);
        if (end > pending.length) break;
        if (pending[at] === 0x5a /* Z */) {
          client.end(Buffer.concat([pending.subarray(0, end), adminShutdown()]));
          server.destroy();
          return;
        }
        at = end;
      }
    });
  }
}

describe('the services’ database pool', () => {
  let injector: ShutdownInjector;
  let dataSource: DataSource;

  beforeAll(async () => {
    injector = await ShutdownInjector.start(new URL(databaseUrl('user_service')));
    dataSource = new DataSource({ type: 'postgres', url: injector.url, extra: DATABASE_POOL });
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await injector?.close();
  });

  it('survives a server that ends a new connection in the packet that completed it (an email-service died of it in fault d)', async () => {
    const holder = dataSource.createQueryRunner();
    await holder.connect(); // takes the idle connection, so the next query needs a new one
    try {
      injector.armed = true;
      await expect(dataSource.query('SELECT 1 AS one')).rejects.toThrow(/not queryable|terminat/);
      injector.armed = false;
      // The pool dropped the dead client: the next query gets a good connection.
      await expect(dataSource.query('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
    } finally {
      injector.armed = false;
      await holder.release();
    }
  });
});
