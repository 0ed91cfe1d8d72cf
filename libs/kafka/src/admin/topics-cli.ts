// `npm run topics:ensure`: creates the event catalog's topics (and DLQs) that are missing, and fails naming any
// existing topic that differs from the catalog. What CI or an operator runs before services start in production.
import { createKafkaClient } from '../client/kafka-client-factory';
import { loadKafkaConfig } from '../config/kafka-config';
import { ensureCatalogTopics } from './ensure-topics';

async function main(): Promise<void> {
  const config = loadKafkaConfig(process.env, 'topics-tool');
  const { created, existing } = await ensureCatalogTopics((await createKafkaClient(config)).admin(), config.topics);
  console.log(`created: ${created.join(', ') || 'none'}; already there: ${existing.join(', ') || 'none'}`);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
