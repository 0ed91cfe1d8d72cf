// The consume suite: N copies of the publish suite's prepared record are loaded (untimed) into one fresh
// 6-partition topic, then each variant reads all of it with a fresh consumer group of its own. The variants
// alternate (raw, runtime, ConsumerPerformance, raw, ...) like the publish suite's. Each Node variant is timed
// from the first record it sees to the N-th: connecting and joining the group are not in it.
import { ConsumerRuntime, KafkaMetrics } from '@kafka-platform/kafka';
import avsc from 'avsc';
import kafkajs from 'kafkajs';
import { Registry } from 'prom-client';
import { now, result, seconds } from './clock.mjs';
import { runKafkaTool } from './kafka-tools.mjs';

const { Kafka, logLevel } = kafkajs;

const LOAD_CHUNK = 500;
// The runtime's default (ConsumerRuntime `concurrency`): the raw consumer gets the same, so the ratio is about
// per-record work, not about how many partitions are worked on at once.
const CONCURRENCY = 6;

const plan = (quick) => (quick ? { repetitions: 1, records: 5_000 } : { repetitions: 3, records: 200_000 });

/**
 * Writes `records` copies of the prepared record, 500 a request, one request per partition in flight at a time
 * (the record's own key would put them all on one partition; spread, every consumer has six partitions to work).
 */
async function load({ brokers, topic, record, records, partitions }) {
  const producer = new Kafka({ clientId: 'bench-load', brokers, logLevel: logLevel.NOTHING }).producer({
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    const message = { key: record.key, value: record.value, headers: record.headers };
    const requests = [];
    for (let sent = 0, index = 0; sent < records; sent += LOAD_CHUNK, index += 1) {
      const count = Math.min(LOAD_CHUNK, records - sent);
      requests.push({ partition: index % partitions, count });
    }
    for (let first = 0; first < requests.length; first += partitions) {
      await Promise.all(
        requests.slice(first, first + partitions).map(({ partition, count }) =>
          producer.send({
            topic,
            acks: -1,
            messages: Array.from({ length: count }, () => ({ ...message, partition })),
          }),
        ),
      );
    }
  } finally {
    await producer.disconnect();
  }
}

/** The writer's schema as the registry has it, fetched once: what a plain Avro consumer decodes with. */
async function writerType(schemaRegistryUrl, value) {
  const id = value.readInt32BE(1);
  const response = await fetch(`${schemaRegistryUrl}/schemas/ids/${id}`);
  if (!response.ok) throw new Error(`the registry answered HTTP ${response.status} for schema ${id}`);
  return avsc.Type.forSchema(JSON.parse((await response.json()).schema));
}

/** Counts records as a variant handles them: the clock runs from the first to the N-th. */
function counter(records, what) {
  let seen = 0;
  let start;
  let end;
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  return {
    one() {
      start ??= now();
      seen += 1;
      if (seen === records) {
        end = now();
        finish();
      }
    },
    // A bound, so that a variant that loses records fails the run instead of hanging it.
    async done(timeoutMs = Math.max(60_000, records / 2)) {
      let timer;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what}: ${seen} of ${records} records after ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      await Promise.race([finished, timeout]).finally(() => clearTimeout(timer));
      return result(records, seconds(start, end));
    },
  };
}

/**
 * a. A kafkajs consumer as the project configures its own (1 s fetch wait, 10 s session, 3 s heartbeat), six
 * partitions at once, `eachBatch`: every value decoded with avsc (skipping the Confluent 5-byte header), every
 * header read as a string; kafkajs' defaults resolve and commit after each batch.
 */
async function raw({ brokers, topic, groupId, records, type }) {
  const consumer = new Kafka({ clientId: 'bench-raw', brokers, logLevel: logLevel.NOTHING }).consumer({
    groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 1000,
    sessionTimeout: 10_000,
    heartbeatInterval: 3_000,
  });
  const count = counter(records, 'raw kafkajs consumer');
  let checksum = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: CONCURRENCY,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const payload = type.fromBuffer(message.value.subarray(5));
          const headers = {};
          for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
          checksum += payload.userId.length + Object.keys(headers).length;
          count.one();
        }
      },
    });
    return { ...(await count.done()), checksum };
  } finally {
    await consumer.disconnect();
  }
}

/**
 * a2. @platformatic/kafka's own Consumer and message stream (its defaults: autocommit, one record at a time), the
 * same session and fetch wait, the same avsc decoding and header strings: the library alone beside raw kafkajs.
 */
async function rawPlatformatic({ brokers, topic, groupId, records, type }) {
  const { Consumer } = await import('@platformatic/kafka');
  const consumer = new Consumer({
    clientId: 'bench-raw-platformatic',
    bootstrapBrokers: brokers,
    groupId,
    autocreateTopics: false,
    maxWaitTime: 1000,
    sessionTimeout: 10_000,
    heartbeatInterval: 3_000,
  });
  const count = counter(records, 'raw @platformatic/kafka consumer');
  let checksum = 0;
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
    stream.on('data', (message) => {
      const payload = type.fromBuffer(message.value.subarray(5));
      const headers = {};
      for (const [name, value] of message.headers) headers[String(name)] = String(value);
      checksum += payload.userId.length + Object.keys(headers).length;
      count.one();
    });
    const outcome = await count.done();
    await stream.close();
    return { ...outcome, checksum };
  } finally {
    await consumer.close(true);
  }
}

/**
 * b. The project's ConsumerRuntime wired as ConsumerHost wires it (the project's kafkajs consumer, the Avro
 * codec, KafkaMetrics, retry policy and shutdown timeout of the default config) with one no-op handler for
 * new_user: header parsing, decoding into the handler's version, delivery context, metrics and per-batch commit.
 */
async function runtime({ ctx, topic, groupId, records, client = ctx.client }) {
  const count = counter(records, 'ConsumerRuntime');
  const consumerRuntime = new ConsumerRuntime(
    {
      groupId,
      topics: [topic],
      deadLetterTopic: (source) => `${source}.dlq`,
      handlers: [
        { type: 'new_user', version: ctx.contract.latestVersion('new_user'), handle: async () => count.one() },
      ],
      retry: ctx.config.retry,
      shutdownTimeoutMs: ctx.config.shutdownTimeoutMs,
      heartbeatIntervalMs: ctx.config.consumer.heartbeatIntervalMs,
    },
    {
      consumer: client.consumer(groupId),
      producer: client.producer(),
      codec: ctx.codec,
      metrics: new KafkaMetrics(new Registry()),
      // A record the runtime holds or dead-letters is a benchmark failure: say so rather than time it out silently.
      log: (level, message) => level !== 'info' && ctx.log(`runtime ${level}: ${message}`),
    },
  );
  await consumerRuntime.start();
  try {
    return await count.done();
  } finally {
    await consumerRuntime.stop();
  }
}

// "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms,
// fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec" and one line of values.
export function parseConsumerPerformance(output) {
  const lines = output.split('\n');
  const header = lines.findIndex((line) => line.includes('data.consumed.in.nMsg'));
  if (header < 0 || !lines[header + 1]) {
    throw new Error(`ConsumerPerformance printed no summary:\n${output.slice(-2000)}`);
  }
  const names = lines[header].split(',').map((name) => name.trim());
  const values = lines[header + 1].split(',').map((value) => value.trim());
  return Object.fromEntries(names.map((name, index) => [name, values[index]]));
}

/**
 * c. org.apache.kafka.tools.ConsumerPerformance (the Java consumer, default settings) on the same topic with a
 * group of its own. Its fetch figures leave out the group join (rebalance.time.ms); JVM start-up is not in them.
 */
async function consumerPerformance({ brokers, topic, groupId, records }) {
  const output = await runKafkaTool('ConsumerPerformance', [
    '--bootstrap-server',
    brokers.join(','),
    '--topic',
    topic,
    '--group',
    groupId,
    '--num-records',
    String(records),
    '--reporting-interval',
    '600000',
    '--timeout',
    '60000',
  ]);
  const summary = parseConsumerPerformance(output);
  const consumed = Number(summary['data.consumed.in.nMsg']);
  if (consumed < records) throw new Error(`ConsumerPerformance read ${consumed} of ${records} records`);
  // Its clock counts whole milliseconds: with a tiny N the fetch time can round to 0, then the total is all it has.
  const fetchSeconds = Number(summary['fetch.time.ms']) / 1000;
  const totalSeconds = consumed / Number(summary['nMsg.sec']);
  return {
    ...result(consumed, fetchSeconds > 0 ? fetchSeconds : totalSeconds),
    rebalanceMs: Number(summary['rebalance.time.ms']),
    totalRecordsPerSecond: Number(summary['nMsg.sec']),
  };
}

const variants = [
  { id: 'raw', label: 'raw kafkajs eachBatch + avsc decode', run: raw },
  { id: 'rawPlatformatic', label: 'raw @platformatic/kafka message stream + avsc decode', run: rawPlatformatic },
  { id: 'runtime', label: 'ConsumerRuntime, no-op handler', run: runtime },
  {
    id: 'runtimePlatformatic',
    label: 'ConsumerRuntime on @platformatic/kafka (KAFKA_CLIENT=platformatic)',
    run: (options) => runtime({ ...options, client: options.ctx.platformatic }),
  },
  { id: 'consumerPerformance', label: 'Kafka ConsumerPerformance (Java client)', run: consumerPerformance },
];

async function run(ctx, PLAN) {
  const topic = await ctx.newTopic('consume');
  const loadStart = now();
  await load({ brokers: ctx.brokers, topic, record: ctx.record, records: PLAN.records, partitions: ctx.partitions });
  const loadSeconds = seconds(loadStart);
  ctx.log(`consume: ${PLAN.records} records loaded into ${topic} in ${loadSeconds.toFixed(1)} s (untimed)`);
  const type = await writerType(ctx.schemaRegistryUrl, ctx.record.value);
  const runs = [];
  try {
    for (let repetition = 1; repetition <= PLAN.repetitions; repetition += 1) {
      for (const variant of variants) {
        const groupId = `${ctx.namespace}.consume-${variant.id}-${repetition}`;
        const outcome = await variant.run({ ctx, brokers: ctx.brokers, topic, groupId, records: PLAN.records, type });
        await ctx.admin.deleteGroup(groupId).catch(() => undefined);
        ctx.log(
          `consume ${variant.id} #${repetition}: ${outcome.records} records, ${Math.round(outcome.recordsPerSecond)}/s`,
        );
        runs.push({ variant: variant.id, repetition, topic, groupId, ...outcome });
      }
    }
  } finally {
    await ctx.dropTopic(topic);
  }
  return { runs, load: { records: PLAN.records, requestSize: LOAD_CHUNK, seconds: loadSeconds } };
}

const ratios = (rate) => [
  { id: 'runtimeToRaw', label: 'ConsumerRuntime / raw kafkajs', value: rate('runtime') / rate('raw') },
  {
    id: 'rawPlatformaticToRaw',
    label: 'raw: @platformatic/kafka / kafkajs (the libraries alone)',
    value: rate('rawPlatformatic') / rate('raw'),
  },
  {
    id: 'platformaticToKafkajs',
    label: 'ConsumerRuntime: @platformatic/kafka / kafkajs',
    value: rate('runtimePlatformatic') / rate('runtime'),
  },
  {
    id: 'rawToConsumerPerformance',
    label: 'raw kafkajs / ConsumerPerformance',
    value: rate('raw') / rate('consumerPerformance'),
  },
];

const describe = (results) =>
  `the publish suite's record (value ${results.record.valueBytes} B, ${results.record.headers} headers) ` +
  `pre-loaded round-robin into ${results.cluster.partitions} partitions; a fresh consumer group per variant ` +
  `and repetition (the Node variants ${CONCURRENCY} partitions at once), from the first record to the last.`;

export const consumeSuite = { id: 'consume', title: 'Consume', plan, variants, run, ratios, describe };
