// The DLQ tool: `npm run dlq -- list <group>` shows what a consumer group dead-lettered;
// `npm run dlq -- redrive <group>` republishes it to the source topic (once each, with an audit header).
import { createKafkaClient } from '../client/kafka-client-factory';
import { loadKafkaConfig } from '../config/kafka-config';
import { catalogContract } from '../contract/catalog-contract';
import { listDeadLetters, redriveDeadLetters } from './dlq-tool';

const USAGE = 'usage: dlq list|redrive <consumer group>   (e.g. npm run dlq -- list email-service)';

async function main([command, group]: string[]): Promise<void> {
  if ((command !== 'list' && command !== 'redrive') || !group) throw new Error(USAGE);
  const contract = catalogContract();
  const topics = contract.topicsFor(group);
  if (topics.length === 0) throw new Error(`No topic in the event catalog is consumed by group "${group}"`);
  const client = await createKafkaClient(loadKafkaConfig(process.env, 'dlq-tool'));
  for (const topic of topics) {
    const dlq = contract.deadLetterTopic(topic, group);
    const letters = command === 'list' ? await listDeadLetters(client, dlq) : await redriveDeadLetters(client, dlq);
    for (const letter of letters) console.log(JSON.stringify(letter));
    console.log(`${dlq}: ${letters.length} record(s) ${command === 'list' ? 'dead-lettered' : 'redriven'}`);
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
