// `npm run topics:ensure`: creates the event catalog's topics (and DLQs) that are missing, and fails naming any
// existing topic that differs from the catalog. What CI or an operator runs before services start in production.
import { createKafkaClient } from '../client/kafka-client-factory';
import { loadKafkaConfig } from '../config/kafka-config';
import { catalogTopicSpecs } from '../contract/catalog-contract';
import { ensureTopics } from './ensure-topics';

async function main(): Promise<void> {
  const config = loadKafkaConfig(process.env, 'topics-tool');
  const admin = (await createKafkaClient(config)).admin();
  await admin.connect();
  try {
    const specs = catalogTopicSpecs(config.topics, await admin.brokerCount());
    const { created, existing } = await ensureTopics(admin, specs);
    console.log(`created: ${created.join(', ') || 'none'}; already there: ${existing.join(', ') || 'none'}`);
  } finally {
    await admin.disconnect();
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
