// Certificates for one test run, made with the machine's openssl: a CA, a localhost server certificate it
// signs, and an unrelated CA a client can wrongly pin. Valid for a day; they live in the caller's temp dir.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface ThrowawayPki {
  /** The CA that signed the broker's certificate: what a service pins in KAFKA_TLS_CA_FILE. */
  readonly caFile: string;
  readonly certFile: string;
  /** Unencrypted PKCS#8, as Kafka's PEM keystore reads it. */
  readonly keyFile: string;
  /** A CA that signed nothing the broker presents. */
  readonly otherCaFile: string;
}

const openssl = (...args: string[]) => promisify(execFile)('openssl', args, { timeout: 30_000 });
// P-256 keys: generated in milliseconds, and Kafka's PEM keystore and Node's TLS both take them.
const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function selfSignedCa(dir: string, name: string) {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  // openssl 3 marks `req -x509` certificates CA:TRUE, which is what lets them sign.
  await openssl('req', '-x509', ...newKey, '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', `/CN=${name}`);
  return { certFile, keyFile };
}

export async function makeThrowawayPki(dir: string): Promise<ThrowawayPki> {
  const [ca, other] = await Promise.all([selfSignedCa(dir, 'throwaway-ca'), selfSignedCa(dir, 'other-ca')]);
  const keyFile = join(dir, 'broker.key');
  const csrFile = join(dir, 'broker.csr');
  const certFile = join(dir, 'broker.pem');
  const extFile = join(dir, 'broker.ext');
  await openssl('req', ...newKey, '-keyout', keyFile, '-out', csrFile, '-subj', '/CN=localhost');
  // Clients check the name they dialled against the SAN, never the CN.
  await writeFile(
    extFile,
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n',
  );
  const serial = `0x${randomBytes(8).toString('hex')}`;
  await openssl(
    'x509',
    '-req',
    '-in',
    csrFile,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-set_serial',
    serial,
    '-days',
    '1',
    '-extfile',
    extFile,
    '-out',
    certFile,
  );
  return { caFile: ca.certFile, certFile, keyFile, otherCaFile: other.certFile };
}
