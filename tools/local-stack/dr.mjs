#!/usr/bin/env node
// Failover to the DR cluster that MirrorMaker 2 feeds (`stack:up -- --with dr`, tools/local-stack/lib/dr.mjs):
//
//   npm run dr -- status                      both clusters, MirrorMaker, the mirrored topics' lag, the groups' offsets
//   npm run dr -- failover [--force] [--replay-outbox SECONDS] [--json]
//
// failover: refuses while the primary answers (unless --force), stops MirrorMaker (a primary that comes back must
// not write into the cluster the services now use), makes every mirrored group's committed offsets on the DR
// cluster the translated ones (MM2's checkpoints, as RemoteClusterUtils.translateOffsets reads them; partitions
// with no checkpoint start at their earliest record), and prints them. --replay-outbox SECONDS puts the
// user-service's outbox rows sent in the SECONDS before the command started back in line (OUTBOX_DATABASE_URL, default the local
// user_service database): records the primary acknowledged but MM2 had not copied yet are published again on
// the DR cluster; the consumers' inboxes drop the ones that had made it.
import pg from 'pg';
import kafkajs from 'kafkajs';
import { checkpointsTopic, drBootstrap, drComponent, primaryBootstrap } from './lib/dr.mjs';
import { brokerCount } from './lib/kafka.mjs';
import { runningPid, stopProcess } from './lib/processes.mjs';
import { dr } from './lib/settings.mjs';

process.removeAllListeners('warning').on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') console.warn(warning);
});

class UsageError extends Error {}
const USAGE = 'usage: dr status | failover [--force] [--replay-outbox SECONDS] [--json]';
const groupPattern = new RegExp(`^${dr.groups}$`);
const topicPattern = new RegExp(`^${dr.topics}$`);

const client = (brokers, clientId = 'dr-cli') =>
  new kafkajs.Kafka({
    clientId,
    brokers,
    logLevel: kafkajs.logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 2 },
  });

async function withAdmin(brokers, use) {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const primaryAnswers = () =>
  brokerCount({ brokers: primaryBootstrap().split(',') }).then(
    () => true,
    () => false,
  );

/** Kafka's protocol STRING: int16 length, UTF-8 bytes. */
function readString(buffer, at) {
  const length = buffer.readInt16BE(at);
  return [buffer.toString('utf8', at + 2, at + 2 + length), at + 2 + length];
}

/** A record of MM2's checkpoints topic (connect-mirror-client's Checkpoint: key group/topic/partition, value v0). */
function decodeCheckpoint(key, value) {
  const [group, afterGroup] = readString(key, 0);
  const [topic, afterTopic] = readString(key, afterGroup);
  const partition = key.readInt32BE(afterTopic);
  const version = value.readInt16BE(0);
  if (version !== 0) throw new Error(`checkpoint value version ${version}: this tool reads version 0`);
  return {
    group,
    topic,
    partition,
    upstreamOffset: Number(value.readBigInt64BE(2)),
    downstreamOffset: Number(value.readBigInt64BE(10)),
  };
}

/** The latest checkpoint per group/topic/partition, read from the DR cluster's checkpoints topic to its end. */
async function latestCheckpoints(admin) {
  if (!(await admin.listTopics()).includes(checkpointsTopic)) return [];
  const ends = await admin.fetchTopicOffsets(checkpointsTopic);
  const remaining = new Map(
    ends.filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, Number(p.high)]),
  );
  const latest = new Map();
  if (remaining.size === 0) return [];
  const groupId = `dr-cli-${process.pid}-${Date.now()}`;
  const consumer = client([drBootstrap]).consumer({ groupId });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: checkpointsTopic, fromBeginning: true });
    await new Promise((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const checkpoint = decodeCheckpoint(message.key, message.value);
            latest.set(`${checkpoint.group}\0${checkpoint.topic}\0${checkpoint.partition}`, checkpoint);
            if (Number(message.offset) + 1 >= remaining.get(partition)) remaining.delete(partition);
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return [...latest.values()].filter((checkpoint) => groupPattern.test(checkpoint.group));
}

/** What each mirrored group should start from on the DR cluster, and what it has committed there now. */
async function plan(admin) {
  const checkpoints = await latestCheckpoints(admin);
  const { groups } = await admin.listGroups();
  const names = new Set([
    ...checkpoints.map((c) => c.group),
    ...groups.map((g) => g.groupId).filter((g) => groupPattern.test(g)),
  ]);
  const topics = (await admin.listTopics()).filter((topic) => topicPattern.test(topic) && !topic.endsWith('.dlq'));
  const rows = [];
  for (const group of [...names].sort()) {
    const committed = await admin.fetchOffsets({ groupId: group, topics });
    for (const { topic, partitions } of committed) {
      const mine = checkpoints.filter((c) => c.group === group && c.topic === topic);
      // A group follows the topic of its own namespace only (a.email-service reads a.user-events).
      if (mine.length === 0 && !partitions.some((p) => Number(p.offset) >= 0)) continue;
      const low = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.low)]));
      for (const { partition, offset } of partitions) {
        const checkpoint = mine.find((c) => c.partition === partition);
        const now = Number(offset);
        const translated = checkpoint?.downstreamOffset ?? low.get(partition) ?? 0;
        rows.push({ group, topic, partition, committed: now, translated, upstream: checkpoint?.upstreamOffset });
      }
    }
  }
  return rows;
}

/** Commits the translated offsets where the DR cluster has none or fewer (never moves a group back). */
async function applyPlan(admin, rows) {
  const byGroupTopic = Map.groupBy(
    rows.filter((row) => row.committed < row.translated),
    (row) => `${row.group}\0${row.topic}`,
  );
  for (const [key, partitions] of byGroupTopic) {
    const [groupId, topic] = key.split('\0');
    await admin.setOffsets({
      groupId,
      topic,
      partitions: partitions.map((row) => ({ partition: row.partition, offset: String(row.translated) })),
    });
  }
  return rows.map((row) => ({ ...row, start: Math.max(row.committed, row.translated) }));
}

// The replay window is counted back from when the command started, not from when it gets to the outbox: stopping
// MirrorMaker and reading the checkpoints take seconds of their own.
const startedAt = new Date();

async function replayOutbox(seconds) {
  const url = process.env.OUTBOX_DATABASE_URL ?? 'postgresql://user_service:user_service@127.0.0.1:5432/user_service';
  const db = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await db.connect();
  try {
    const { rowCount } = await db.query(
      `UPDATE outbox SET state = 'pending', available_at = now(), claimed_by = NULL
        WHERE state = 'sent' AND sent_at >= $2::timestamptz - make_interval(secs => $1)`,
      [seconds, startedAt],
    );
    return rowCount;
  } finally {
    await db.end();
  }
}

async function failover(flags) {
  if (!flags.force && (await primaryAnswers())) {
    throw new UsageError(
      `the primary (${primaryBootstrap()}) still answers: failing over now would split the platform across two clusters. Stop it first, or pass --force.`,
    );
  }
  const mirrorWasRunning = Boolean(runningPid('mirror-maker'));
  await stopProcess('mirror-maker', 10_000);
  const rows = await withAdmin([drBootstrap], async (admin) => applyPlan(admin, await plan(admin)));
  const replayed = flags.replayOutbox === undefined ? undefined : await replayOutbox(flags.replayOutbox);
  if (flags.json) {
    console.log(JSON.stringify({ mirrorStopped: mirrorWasRunning, offsets: rows, replayed }));
    return 0;
  }
  console.log(
    `MirrorMaker ${mirrorWasRunning ? 'stopped' : 'was not running'}: nothing more is copied from the primary`,
  );
  for (const row of rows) {
    const from = row.upstream === undefined ? 'no checkpoint: earliest' : `primary offset ${row.upstream}`;
    console.log(`${row.group}  ${row.topic}[${row.partition}]  starts at ${row.start}  (${from})`);
  }
  if (replayed !== undefined)
    console.log(`outbox: ${replayed} row(s) sent in the last ${flags.replayOutbox}s put back in line`);
  console.log(`\nNow restart the services against the DR cluster, once with the rebind flag:
  KAFKA_BROKERS=${drBootstrap} KAFKA_CLUSTER_REBIND=true npm start
(the schema registry is shared by both clusters: schema ids stay valid; failback: README "Disaster recovery")`);
  return 0;
}

async function status() {
  const primary = await primaryAnswers();
  console.log(`primary  ${primaryBootstrap()}: ${primary ? 'answering' : 'NOT answering'}`);
  console.log(
    `dr       ${drBootstrap}: ${(await drComponent.answers().catch(() => false)) ? 'answering' : 'NOT answering'}`,
  );
  console.log(`mirror   MirrorMaker 2 ${runningPid('mirror-maker') ? 'running' : 'not running'}`);
  for (const line of await drComponent.statusLines()) console.log(`  ${line}`);
  const rows = await withAdmin([drBootstrap], plan).catch(() => []);
  for (const row of rows) {
    console.log(
      `  ${row.group}  ${row.topic}[${row.partition}]  committed on DR ${row.committed}, checkpoint ${row.translated}`,
    );
  }
  return 0;
}

function parse(args) {
  const [command, ...rest] = args;
  const flags = { force: false, json: false };
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--force') flags.force = true;
    else if (rest[i] === '--json') flags.json = true;
    else if (rest[i] === '--replay-outbox') {
      flags.replayOutbox = Number(rest[++i]);
      if (!Number.isInteger(flags.replayOutbox) || flags.replayOutbox <= 0)
        throw new UsageError(`--replay-outbox takes whole seconds, got ${rest[i]}`);
    } else throw new UsageError(USAGE);
  }
  return { command, flags };
}

try {
  const { command, flags } = parse(process.argv.slice(2));
  const commands = { failover, status };
  if (!commands[command]) throw new UsageError(USAGE);
  process.exitCode = await commands[command](flags);
} catch (error) {
  console.error(`[dr] ${error instanceof UsageError ? error.message : error.stack}`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
