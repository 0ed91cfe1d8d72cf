import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { PgListener } from './pg-listener';

// The LISTEN connection is a client of its own, outside the pool: it must connect exactly as the pool does, or a
// production URL with sslmode=verify-full (k8s/overlays/prod) would leave it on another footing than the queries.
describe('PgListener.configOf', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pg-listener-'));
  const caFile = join(dir, 'ca.crt');
  writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const url = `postgresql://user_service:secret@db.example.internal:5432/user_service?sslmode=verify-full&sslrootcert=${caFile}`;

  /** A data source as TypeORM's PostgreSQL driver holds it: its pool under driver.master (never connected here). */
  const dataSourceOn = (pool: Pool) => ({ driver: { master: pool } }) as unknown as DataSource;

  it("keeps the pool's connection URL, so sslmode and sslrootcert apply to the LISTEN connection too", async () => {
    const pool = new Pool({ connectionString: url, max: 1 });
    try {
      const config = PgListener.configOf(dataSourceOn(pool));
      expect(config).toMatchObject({ connectionString: url, keepAlive: true });

      // What the listener's own client makes of it (pg parses the URL with pg-connection-string).
      const client = new Client(config) as Client & {
        connectionParameters: { host: string; database: string; ssl: unknown };
      };
      const { host, database, ssl } = client.connectionParameters;
      expect({ host, database }).toEqual({ host: 'db.example.internal', database: 'user_service' });
      // TLS required, the certificate checked against that CA only: verify-full leaves rejectUnauthorized and the
      // host-name check at Node's defaults (on), and pins the CA read from sslrootcert.
      expect(ssl).toEqual({ ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' });
    } finally {
      await pool.end();
    }
  });
});
