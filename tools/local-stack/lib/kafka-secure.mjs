// An opt-in second broker that only speaks SASL_SSL (SCRAM-SHA-512 over TLS), to prove that services connect
// the way they do in production. It is throw-away: every start formats fresh storage with the caller's SCRAM
// users, and `down` removes its data and config (they hold its passwords). The caller brings the certificates:
//
//   LOCAL_STACK_SECURE_CERT_FILE       PEM certificate (chain) of the broker, valid for localhost / 127.0.0.1
//   LOCAL_STACK_SECURE_KEY_FILE        its private key, unencrypted PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)
//   LOCAL_STACK_SECURE_CA_FILE         PEM CA that signed the certificate (what clients pin)
//   LOCAL_STACK_SECURE_ADMIN_PASSWORD  password of the SCRAM user `admin` (inter-broker and readiness probe)
//   LOCAL_STACK_SECURE_USERS           more SCRAM-SHA-512 users, `name:password[,name:password...]` (optional)
//
// Listeners: SASL_SSL on localhost:9094 for clients (and the broker itself), the KRaft controller on
// 127.0.0.1:9095 in plaintext (loopback only; it serves no produce, fetch or metadata requests).
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  brokerCount,
  formatKafkaStorage,
  newClusterId,
  prepareKafkaRuntime,
  startKafkaProcess,
  writeKafkaConfig,
} from './kafka.mjs';
import { logFile, StackError, tail } from './processes.mjs';
import { kafkaSecure, paths } from './settings.mjs';

const NAME = 'kafka-secure';
const dataDir = join(paths.data, NAME);
const configDir = join(paths.config, NAME);
const probeFile = join(configDir, 'probe.json');
const MECHANISM = 'SCRAM-SHA-512';

// Names and passwords end up in a JAAS config and in StorageTool's `--add-scram [name=..,password=..]`; this
// alphabet needs no quoting in either (random base64url passwords fit).
const userName = /^[A-Za-z0-9._-]+$/;
const password = /^[A-Za-z0-9._~+/-]{8,}$/;

const USAGE = `kafka-secure needs its certificates and SCRAM users from env:
  LOCAL_STACK_SECURE_CERT_FILE, LOCAL_STACK_SECURE_KEY_FILE (unencrypted PKCS#8 PEM), LOCAL_STACK_SECURE_CA_FILE,
  LOCAL_STACK_SECURE_ADMIN_PASSWORD and optionally LOCAL_STACK_SECURE_USERS=name:password[,name:password].
Passwords: at least 8 of A-Z a-z 0-9 . _ ~ + / -; names: A-Z a-z 0-9 . _ -. See tools/local-stack/lib/kafka-secure.mjs.`;

function readPem(variable, marker, hint = '') {
  const file = process.env[variable];
  if (!file) throw new StackError(`${variable} is not set.\n${USAGE}`);
  if (!existsSync(file)) throw new StackError(`${variable}=${file}: no such file.`);
  const text = readFileSync(file, 'utf8');
  if (!text.includes(`-----BEGIN ${marker}-----`)) {
    throw new StackError(`${variable}=${file} holds no -----BEGIN ${marker}----- block${hint}.\n${USAGE}`);
  }
  return text;
}

function users() {
  const admin = process.env.LOCAL_STACK_SECURE_ADMIN_PASSWORD;
  if (!admin) throw new StackError(`LOCAL_STACK_SECURE_ADMIN_PASSWORD is not set.\n${USAGE}`);
  const list = [{ name: kafkaSecure.adminUser, password: admin, from: 'LOCAL_STACK_SECURE_ADMIN_PASSWORD' }];
  for (const entry of (process.env.LOCAL_STACK_SECURE_USERS ?? '').split(',').filter(Boolean)) {
    const [name, ...rest] = entry.split(':');
    list.push({ name, password: rest.join(':'), from: `LOCAL_STACK_SECURE_USERS entry "${name}:..."` });
  }
  for (const user of list) {
    if (!userName.test(user.name) || !password.test(user.password)) {
      throw new StackError(`kafka-secure: ${user.from} is not a valid name:password.\n${USAGE}`);
    }
  }
  if (new Set(list.map((user) => user.name)).size !== list.length) {
    throw new StackError(`kafka-secure: SCRAM user names must be unique (\`${kafkaSecure.adminUser}\` included).`);
  }
  return list;
}

/** Everything the caller gives, checked up front so a bad certificate fails here and not in a broker log. */
function material() {
  const cert = readPem('LOCAL_STACK_SECURE_CERT_FILE', 'CERTIFICATE');
  const ca = readPem('LOCAL_STACK_SECURE_CA_FILE', 'CERTIFICATE');
  const key = readPem(
    'LOCAL_STACK_SECURE_KEY_FILE',
    'PRIVATE KEY',
    ' (an unencrypted PKCS#8 key; convert one with `openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8`)',
  );
  const leaf = new X509Certificate(cert);
  const authority = new X509Certificate(ca);
  if (!leaf.checkHost('localhost')) {
    throw new StackError(`LOCAL_STACK_SECURE_CERT_FILE is not valid for localhost (subject ${leaf.subject}).`);
  }
  if (!leaf.verify(authority.publicKey)) {
    throw new StackError('LOCAL_STACK_SECURE_CERT_FILE was not signed by LOCAL_STACK_SECURE_CA_FILE.');
  }
  if (!leaf.checkPrivateKey(createPrivateKeyOrThrow(key))) {
    throw new StackError('LOCAL_STACK_SECURE_KEY_FILE is not the key of LOCAL_STACK_SECURE_CERT_FILE.');
  }
  return { cert, ca, key, users: users() };
}

function createPrivateKeyOrThrow(pem) {
  try {
    return createPrivateKey(pem);
  } catch (error) {
    throw new StackError(`LOCAL_STACK_SECURE_KEY_FILE cannot be read as an unencrypted key: ${error.message}`);
  }
}

const jaas = (user) =>
  `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user.name}" password="${user.password}";`;

function serverProperties(admin) {
  const { clientPort, controllerPort } = kafkaSecure;
  return `# Generated by tools/local-stack for kafka-secure; edit tools/local-stack/lib/kafka-secure.mjs instead.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
# No PLAINTEXT or SSL-only listener: every client, and the broker itself, authenticates over TLS.
listeners=SASL_SSL://127.0.0.1:${clientPort},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=SASL_SSL://localhost:${clientPort}
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
sasl.enabled.mechanisms=${MECHANISM}
sasl.mechanism.inter.broker.protocol=${MECHANISM}
listener.name.sasl_ssl.${MECHANISM.toLowerCase()}.sasl.jaas.config=${jaas(admin)}
ssl.keystore.type=PEM
ssl.keystore.location=${join(configDir, 'keystore.pem')}
ssl.truststore.type=PEM
ssl.truststore.location=${join(configDir, 'truststore.pem')}
ssl.client.auth=none
log.dirs=${dataDir}
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
`;
}

async function prepare(log) {
  material();
  await prepareKafkaRuntime(log);
}

function forget() {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(configDir, { recursive: true, force: true });
}

async function start() {
  const { cert, ca, key, users: scramUsers } = material();
  const admin = scramUsers[0];
  forget();
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  mkdirSync(dataDir, { recursive: true });
  // Copies: the broker keeps serving if the caller removes its files, and the key file is only ours to read.
  writeFileSync(join(configDir, 'keystore.pem'), `${key.trim()}\n${cert.trim()}\n`, { mode: 0o600 });
  writeFileSync(join(configDir, 'truststore.pem'), ca, { mode: 0o600 });
  writeFileSync(probeFile, JSON.stringify({ password: admin.password }), { mode: 0o600 });
  const configFile = writeKafkaConfig(configDir, serverProperties(admin));
  // KRaft keeps SCRAM credentials in the metadata log: they are written at format time, before the first start.
  const scram = scramUsers.flatMap((user) => [
    '--add-scram',
    `${MECHANISM}=[name=${user.name},password=${user.password}]`,
  ]);
  await formatKafkaStorage(configFile, newClusterId(), scram);
  await startKafkaProcess(NAME, configDir, configFile);
}

/** Real request, authenticated as admin over TLS against the CA the broker was started with. */
async function answers() {
  if (!existsSync(probeFile)) return false;
  const { password: adminPassword } = JSON.parse(readFileSync(probeFile, 'utf8'));
  const connection = {
    brokers: [`localhost:${kafkaSecure.clientPort}`],
    ssl: { ca: readFileSync(join(configDir, 'truststore.pem'), 'utf8'), rejectUnauthorized: true },
    sasl: { mechanism: 'scram-sha-512', username: kafkaSecure.adminUser, password: adminPassword },
  };
  return (await brokerCount(connection)) === 1;
}

async function explainExit(name) {
  const text = await tail(logFile(name), 60);
  const tls = /SSLException|keystore|truststore|PEM|ssl\./i.test(text);
  return `${text}\n${tls ? 'The broker rejected its TLS material: check the LOCAL_STACK_SECURE_* files.' : ''}`;
}

export const kafkaSecureComponent = {
  key: NAME,
  // Not part of a plain `up`: only tests and people who ask for it start this broker.
  optIn: true,
  // Needs neither PostgreSQL nor the rest of the stack.
  standalone: true,
  processes: [NAME],
  ports: [
    [kafkaSecure.clientPort, 'Kafka SASL_SSL listener (kafka-secure)'],
    [kafkaSecure.controllerPort, 'Kafka controller (kafka-secure)'],
  ],
  endpoint: `localhost:${kafkaSecure.clientPort} (SASL_SSL, ${MECHANISM})`,
  prepare,
  start,
  answers,
  explainExit,
  afterDown: forget,
  timeoutMs: 120_000,
};
