// The publish suite: six variants write the same record (the project's key, Avro value and headers) to fresh
// 6-partition topics; they alternate (v1 v2 v3 v4 v1 ...) so that drift hits all of them alike.
import { EventPublisher } from '@kafka-platform/kafka';
import { producerPerformance, publishAll, publishOne, raw, rawPlatformatic } from './variants.mjs';

const plan = (quick) =>
  quick
    ? {
        repetitions: 1,
        raw: 2_000,
        rawPlatformatic: 2_000,
        publishAll: 2_000,
        publishAllPlatformatic: 2_000,
        publishOne: 200,
        producerPerformance: 10_000,
        warmup: 1_000,
      }
    : {
        repetitions: 3,
        raw: 100_000,
        rawPlatformatic: 100_000,
        publishAll: 100_000,
        publishAllPlatformatic: 100_000,
        publishOne: 5_000,
        producerPerformance: 500_000,
        warmup: 50_000,
      };

const variants = [
  { id: 'raw', label: 'raw kafkajs send, 100 per request', run: raw },
  { id: 'rawPlatformatic', label: 'raw @platformatic/kafka send, 100 per request', run: rawPlatformatic },
  { id: 'publishAll', label: 'EventPublisher.publishAll, 100 per call', run: publishAll },
  {
    id: 'publishAllPlatformatic',
    label: 'publishAll on @platformatic/kafka (KAFKA_CLIENT=platformatic)',
    run: publishAll,
    client: 'platformatic',
  },
  { id: 'publishOne', label: 'EventPublisher.publish, one awaited at a time', run: publishOne },
  { id: 'producerPerformance', label: 'Kafka ProducerPerformance (Java client)', run: producerPerformance },
];

async function run(ctx, PLAN) {
  const runs = [];
  for (let repetition = 1; repetition <= PLAN.repetitions; repetition += 1) {
    for (const variant of variants) {
      const topic = await ctx.newTopic(`${variant.id}-${repetition}`);
      // The project's publisher on a producer of its own (kafkajs keeps asking for the metadata of a topic it
      // once wrote to, and fails when that topic was deleted), its topic pointed at this variant's fresh one
      // (subjects stay the namespace's).
      const own = (variant.client === 'platformatic' ? ctx.platformatic : ctx.client).producer();
      const publisher = new EventPublisher(own, ctx.codec, { ...ctx.contract, topicOf: () => topic });
      const outcome = await variant.run({
        brokers: ctx.brokers,
        topic,
        record: ctx.record,
        publisher,
        payload: ctx.payload,
        records: PLAN[variant.id],
        warmup: PLAN.warmup,
      });
      await own.disconnect();
      ctx.log(
        `publish ${variant.id} #${repetition}: ${outcome.records} records, ${Math.round(outcome.recordsPerSecond)}/s`,
      );
      runs.push({ variant: variant.id, repetition, topic, ...outcome });
      await ctx.dropTopic(topic);
    }
  }
  return { runs };
}

const ratios = (rate) => [
  { id: 'publishAllToRaw', label: 'publishAll / raw kafkajs', value: rate('publishAll') / rate('raw') },
  { id: 'publishOneToRaw', label: 'publish one at a time / raw kafkajs', value: rate('publishOne') / rate('raw') },
  {
    id: 'rawPlatformaticToRaw',
    label: 'raw: @platformatic/kafka / kafkajs (the libraries alone)',
    value: rate('rawPlatformatic') / rate('raw'),
  },
  {
    id: 'platformaticToKafkajs',
    label: 'publishAll: @platformatic/kafka / kafkajs',
    value: rate('publishAllPlatformatic') / rate('publishAll'),
  },
  {
    id: 'rawToProducerPerformance',
    label: 'raw kafkajs / ProducerPerformance',
    value: rate('raw') / rate('producerPerformance'),
  },
];

const describe = (results) =>
  `${results.cluster.brokerCount} broker(s), ${results.cluster.partitions} partitions, ` +
  `RF ${results.cluster.replicationFactor}, acks=all, idempotent; value ${results.record.valueBytes} B, ` +
  `${results.record.headers} headers.`;

export const publishSuite = { id: 'publish', title: 'Publish', plan, variants, run, ratios, describe };
