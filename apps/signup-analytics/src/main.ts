// signup-analytics: a plain Node process on libs/kafka (HTTP only on its management port: /metrics, /health).
// See README.md for what it computes and how.
import {
  catalogContract,
  createAvroCodec,
  createKafkajs,
  createKafkajsClient,
  ensureCatalogTopics,
  loadKafkaConfig,
  namespaced,
  PersonalDataReader,
  UserKeyStore,
} from '@kafka-platform/kafka';
import type { KafkaConfig } from '@kafka-platform/kafka';
import { loadAnalyticsConfig } from './config';
import { ManagementServer } from './management-server';
import { AnalyticsMetrics } from './metrics';
import { APP, SignupAnalytics } from './processor';

const log = (message: string, fields: object = {}) =>
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), app: APP, msg: message, ...fields })}\n`);

/** Creates the catalog's topics where the services would (development: schemas auto-registered). */
async function prepareTopics(config: KafkaConfig): Promise<void> {
  if (!config.schemaRegistry.autoRegister) return;
  await ensureCatalogTopics((await createKafkajsClient(config)).admin(), config.topics);
}

async function main(): Promise<void> {
  const kafkaConfig = loadKafkaConfig(process.env, APP);
  const config = loadAnalyticsConfig(process.env);
  const kafka = await createKafkajs(kafkaConfig, (level, message, extra) => log(`${level}: ${message}`, extra));
  await prepareTopics(kafkaConfig);
  const contract = catalogContract(kafkaConfig.topics.namespace);
  const metrics = new AnalyticsMetrics(APP);
  // Before the restore: a probe sees "starting" (503 on /health) rather than a refused connection.
  const port = await new ManagementServer(metrics).listen(config.MANAGEMENT_PORT);
  log('management server listening', { port });
  const codec = createAvroCodec(kafkaConfig.schemaRegistry, contract);
  const keys = new UserKeyStore(await createKafkajsClient(kafkaConfig), codec, contract, {
    keyEncryptionKey: kafkaConfig.personalData.keyEncryptionKey,
    groupPrefix: namespaced(kafkaConfig.topics.namespace, `${APP}.user-keys`),
    waitMs: kafkaConfig.personalData.keyWaitMs,
  });
  const processor = new SignupAnalytics({
    kafka,
    codec,
    personalData: new PersonalDataReader(keys),
    contract,
    namespace: kafkaConfig.topics.namespace,
    config,
    log,
    metrics,
  });
  // SIGTERM: leave the group without committing the batch in flight (its transaction is aborted by the broker).
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void processor.stop().finally(() => process.exit(0)));
  }
  log('starting', { delivery: config.SIGNUP_ANALYTICS_DELIVERY, domains: config.SIGNUP_ANALYTICS_DOMAINS });
  const error = await processor.run();
  log('stopping after a failure; the next start restores the committed state', { error: String(error) });
  await processor.stop().catch(() => undefined);
  process.exit(1);
}

main().catch((error: unknown) => {
  log('failed to start', { error: error instanceof Error ? error.stack : String(error) });
  process.exit(1);
});
