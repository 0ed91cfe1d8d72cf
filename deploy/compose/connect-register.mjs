// One-shot (compose profile `connect`): registers the user-service's CDC outbox connector with Kafka Connect, from
// the config the messaging lib owns (libs/messaging/src/outbox/cdc/outbox-connector.json), on compose's PostgreSQL.
// PUT is idempotent: every `up` brings the connector in line with the file. The user-service's migrations create the
// outbox_cdc table and publication, so this runs once the service is healthy.
import { readFileSync } from 'node:fs';

const connectUrl = process.env.CONNECT_URL ?? 'http://connect:8083';
const name = 'user-service-outbox';
const config = {
  ...JSON.parse(readFileSync('/init/outbox-connector.json', 'utf8')),
  'database.hostname': 'postgres',
  'database.port': '5432',
  // Local development only: the superuser has the REPLICATION attribute logical decoding needs (k8s gives the
  // connector a role of its own).
  'database.user': 'postgres',
  'database.password': process.env.POSTGRES_PASSWORD ?? 'postgres',
  'database.dbname': 'user_service',
  'topic.prefix': 'outbox-cdc-user-service',
  'slot.name': 'outbox_cdc_user_service',
};
const response = await fetch(`${connectUrl}/connectors/${name}/config`, {
  method: 'PUT',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(config),
});
if (!response.ok) throw new Error(`registering ${name}: ${response.status} ${await response.text()}`);
console.log(`connector ${name} registered (${response.status})`);
