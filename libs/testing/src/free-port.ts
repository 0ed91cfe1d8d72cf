import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback port nothing listens on: bound once by the OS, then released. Good for a service's own port, or as
 * the address of a dependency that is down (connections to it are refused) until a test opens it.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
