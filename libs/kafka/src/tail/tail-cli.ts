// `npm run tail -- <topic> [--from-beginning] [--max N]`: prints each record's key, headers and decoded payload.
// KAFKA_NAMESPACE, KAFKA_BROKERS, SCHEMA_REGISTRY_URL (and the SASL/TLS variables) as for the services.
import { parseArgs } from 'node:util';
import { createKafkaClient } from '../client/kafka-client-factory';
import { createAvroCodec } from '../codec/avro-codec';
import { loadKafkaConfig } from '../config/kafka-config';
import { catalogContract, namespaced } from '../contract/catalog-contract';
import { tailTopic } from './record-tail';

const USAGE = 'usage: tail <topic> [--from-beginning] [--max N]   (e.g. npm run tail -- user-events --from-beginning)';

function parse(argv: string[]): { topic: string; fromBeginning: boolean; max?: number } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'from-beginning': { type: 'boolean', default: false }, max: { type: 'string' } },
  });
  const [topic, ...extra] = positionals;
  const max = values.max === undefined ? undefined : Number(values.max);
  if (!topic || extra.length > 0) throw new Error(USAGE);
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) throw new Error(`--max must be a whole number >= 1`);
  return { topic, fromBeginning: values['from-beginning'], ...(max !== undefined && { max }) };
}

async function main(argv: string[]): Promise<void> {
  const { topic, ...options } = parse(argv);
  const config = loadKafkaConfig(process.env, 'tail');
  // Decoding looks writer schemas up by id and never registers, whatever SCHEMA_REGISTRY_AUTO_REGISTER says.
  const codec = createAvroCodec(
    { ...config.schemaRegistry, autoRegister: false },
    catalogContract(config.topics.namespace),
  );
  const client = await createKafkaClient(config);
  // Ctrl-C ends the tail cleanly: the consumer leaves and its throwaway group is deleted.
  const abort = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort.abort());
  const target = namespaced(config.topics.namespace, topic);
  const printed = await tailTopic(client, codec, target, { ...options, signal: abort.signal }, (line) =>
    console.log(line),
  );
  // On stderr, as the console consumer does, so stdout holds only records.
  console.error(`${target}: ${printed} record(s)`);
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
