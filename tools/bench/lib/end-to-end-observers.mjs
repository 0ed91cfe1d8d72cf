// What the end-to-end benchmark watches while it loads the platform: the dashboard's live stream (when each user
// reached the projection), the SMTP sink (when each user's mail arrived) and a sampler of backlogs and processes.
// Every watcher timestamps with Date.now(), the clock the sink stamps its `Created` with (same machine).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { accessToken, stackEndpoints } from '@kafka-platform/testing';

const { Kafka, logLevel } = kafkajs;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * GET /api/stream as the demo admin. Each `handled` frame names one newly applied event; a new_user's key is the
 * user's id. A `stats` frame after the first of a connection means the dashboard resynchronised (changes may have
 * gone unannounced), and a reconnect means frames were lost: both are counted as gaps, so the caller knows when
 * to ask the projection itself.
 */
export function projectionWatcher({ url, env, log }) {
  const seenAt = new Map();
  const counts = { connections: 0, statsFrames: 0, handledFrames: 0, reconnects: 0 };
  // One for the watcher's life: a stop() during a (re)connect must abort that connect too.
  const abort = new AbortController();
  let stopped = false;
  let markReady;
  const ready = new Promise((resolve) => (markReady = resolve));

  const onFrame = (event, data, at) => {
    if (event === 'stats') {
      counts.statsFrames += 1;
      markReady();
    } else if (event === 'handled') {
      counts.handledFrames += 1;
      const handled = handledEvent(data);
      if (handled?.type === 'new_user' && !seenAt.has(handled.key)) seenAt.set(handled.key, at);
    }
  };

  const connectOnce = async () => {
    const authorization = `Bearer ${await accessToken('ada', env)}`;
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', authorization },
      signal: abort.signal,
    });
    if (response.status !== 200) throw new Error(`GET /api/stream answered ${response.status}`);
    counts.connections += 1;
    await readFrames(response, onFrame);
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        await connectOnce();
      } catch (error) {
        if (!stopped) log(`live stream: ${error.message}`);
      }
      if (stopped) return;
      // The dashboard drops a client that reads too slowly; reconnect and let the caller fall back to SQL.
      counts.reconnects += 1;
      await sleep(500);
    }
  })();

  return {
    ready,
    seenAt,
    counts,
    /** Frames may have been missed: a reconnect, or a resync (`stats` beyond one per connection). */
    get gaps() {
      return counts.reconnects + Math.max(0, counts.statsFrames - counts.connections);
    },
    async stop() {
      stopped = true;
      abort.abort();
      await loop;
    },
  };
}

/** Splits the stream into frames; one timestamp per chunk, taken when it was read. */
async function readFrames(response, onFrame) {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    const at = Date.now();
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const frame = parseFrame(block);
      if (frame) onFrame(frame.event, frame.data, at);
    }
  }
}

function parseFrame(block) {
  let event;
  let data;
  for (const line of block.split('\n')) {
    if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data = line.slice(6);
  }
  return event ? { event, data } : undefined;
}

const EVENT_PREFIX = '{"event":';

/**
 * The envelope of a `handled` frame ({ event, stats }). Only the part before `"stats"` is parsed: the stats are
 * several kB per frame and this process is also the load generator.
 */
function handledEvent(data) {
  const cut = data?.indexOf(',"stats":') ?? -1;
  if (data?.startsWith(EVENT_PREFIX) && cut > 0) return JSON.parse(data.slice(EVENT_PREFIX.length, cut));
  return data ? JSON.parse(data).event : undefined;
}

const MAIL_PAGE = 1000;

/**
 * Polls the SMTP sink (newest first) and keeps, for each expected address, the sink's own `Created` time of its
 * first mail. The sink is shared, so it filters by address; paging stops at the first message already seen (all
 * older ones were seen then) or, on the first poll, at messages older than `since`.
 */
export function mailWatcher({ env, since, intervalMs = 500, log }) {
  const api = `${stackEndpoints(env).mailApiUrl}/api/v1/messages`;
  const arrivedAt = new Map();
  const seen = new Set();
  let duplicates = 0;
  let stopped = false;

  const take = (message) => {
    for (const { Address } of message.To) {
      const address = Address.toLowerCase();
      if (!arrivedAt.has(address)) continue;
      if (arrivedAt.get(address) === undefined) arrivedAt.set(address, Date.parse(message.Created));
      else duplicates += 1;
    }
  };

  const poll = async () => {
    for (let start = 0; ; start += MAIL_PAGE) {
      const response = await fetch(`${api}?start=${start}&limit=${MAIL_PAGE}`, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`the mail sink answered ${response.status}`);
      const { messages } = await response.json();
      for (const message of messages) {
        if (seen.has(message.ID) || Date.parse(message.Created) < since) return;
        seen.add(message.ID);
        take(message);
      }
      if (messages.length < MAIL_PAGE) return;
    }
  };

  const loop = (async () => {
    while (!stopped) {
      await poll().catch((error) => log(`mail sink: ${error.message}`));
      await sleep(intervalMs);
    }
  })();

  return {
    /** Registers an address before its sign-up is sent, so its mail is recognised whenever it comes. */
    expect: (email) => arrivedAt.set(email.toLowerCase(), undefined),
    arrivedAt: (email) => arrivedAt.get(email.toLowerCase()),
    get duplicates() {
      return duplicates;
    },
    poll,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime in seconds and RSS in MB of a process, from /proc; undefined once it is gone. */
export function processUsage(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may contain spaces: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return { cpuSeconds, rssMB: rssKb / 1024 };
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of the whole machine (every core), from the first line of /proc/stat. */
function machineTicks() {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const total = values.slice(0, 8).reduce((sum, value) => sum + value, 0);
  return { busy: total - values[3] - values[4], total };
}

/** Records the group still has to read on the topic: log end minus committed offset (log start if none). */
async function groupLag(admin, groupId, ends) {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [ends.topic] });
  return (offsets?.partitions ?? []).reduce((sum, { partition, offset }) => {
    const end = ends.byPartition.get(partition);
    if (!end) return sum;
    const position = Number(offset) >= 0 ? Number(offset) : Number(end.low);
    return sum + Math.max(0, Number(end.high) - position);
  }, 0);
}

/**
 * Samples every `intervalMs` (one sample at a time, so a slow one delays the next rather than piling up):
 * outbox rows not yet published, the lag of the two consumer groups, CPU% and RSS of each process, the
 * machine's CPU. CPU% is the delta of utime+stime over the delta of wall time, in % of one core.
 */
export async function backlogSampler({ env, outboxUrl, topic, groups, processes, intervalMs = 500, log }) {
  const database = new pg.Client({ connectionString: outboxUrl });
  await database.connect();
  const admin = new Kafka({
    clientId: 'bench-end-to-end',
    brokers: stackEndpoints(env).kafkaBrokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  const samples = [];
  let previous = snapshot(processes);
  let stopped = false;

  const sampleOnce = async () => {
    const [outbox, lags] = await Promise.all([
      database
        .query(`SELECT count(*)::int AS pending FROM outbox WHERE state = 'pending'`)
        .then((r) => r.rows[0].pending),
      lagsOf(admin, topic, groups),
    ]);
    const current = snapshot(processes);
    samples.push({ at: current.at, outbox, lag: lags, ...usageBetween(previous, current, processes) });
    previous = current;
  };

  const loop = (async () => {
    while (!stopped) {
      const began = Date.now();
      await sampleOnce().catch((error) => log(`sampler: ${error.message}`));
      await sleep(Math.max(0, intervalMs - (Date.now() - began)));
    }
  })();

  return {
    samples,
    /** The samples taken in [from, to]. */
    between: (from, to) => samples.filter((sample) => sample.at >= from && sample.at <= to),
    latest: () => samples.at(-1),
    async stop() {
      stopped = true;
      await loop;
      await Promise.allSettled([database.end(), admin.disconnect()]);
    },
  };
}

async function lagsOf(admin, topic, groups) {
  const offsets = await admin.fetchTopicOffsets(topic);
  const ends = { topic, byPartition: new Map(offsets.map((entry) => [entry.partition, entry])) };
  const entries = await Promise.all(
    Object.entries(groups).map(async ([name, groupId]) => [name, await groupLag(admin, groupId, ends)]),
  );
  return Object.fromEntries(entries);
}

function snapshot(processes) {
  return {
    at: Date.now(),
    machine: machineTicks(),
    usage: Object.fromEntries(processes.map(({ name, pid }) => [name, processUsage(pid)])),
  };
}

function usageBetween(before, after, processes) {
  const seconds = (after.at - before.at) / 1000;
  const cpu = {};
  const rssMB = {};
  for (const { name } of processes) {
    const [a, b] = [before.usage[name], after.usage[name]];
    if (!a || !b || seconds <= 0) continue;
    cpu[name] = ((b.cpuSeconds - a.cpuSeconds) / seconds) * 100;
    rssMB[name] = b.rssMB;
  }
  const totalTicks = after.machine.total - before.machine.total;
  const machineCpu = totalTicks > 0 ? ((after.machine.busy - before.machine.busy) / totalTicks) * 100 : undefined;
  return { cpu, rssMB, machineCpu };
}

const LABELS = [
  [/apicurio/, 'schema registry'],
  [/keycloak/, 'keycloak'],
  [/kafka\.Kafka\b/, 'kafka broker'],
  [/ProducerPerformance/, 'ProducerPerformance'],
  [/smtp-sink/, 'smtp sink'],
];

/** A readable name for a process of the machine; PostgreSQL's backends all count as one "postgres". */
function labelOf(pid) {
  const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  if (comm === 'postgres') return 'postgres';
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const known = LABELS.find(([pattern]) => pattern.test(args.join(' ')))?.[1];
  if (known) return known;
  // Node's main thread is called MainThread: name it by its script (jest, bench.mjs, nx ...).
  const script = args.slice(1).find((arg) => arg && !arg.startsWith('-'));
  if (comm === 'MainThread' || comm === 'node') return `node ${script ? basename(script).slice(0, 40) : ''}`.trim();
  return comm.split('/')[0];
}

/**
 * CPU seconds so far of every process on the machine, by label (`known` names pids of ours). On a shared
 * machine the services compete with the stack (broker, database, sink) and whatever else runs; this says with whom.
 */
export function machineUsage(known = new Map()) {
  const byLabel = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const label = known.get(Number(entry)) ?? labelOf(entry);
      const usage = processUsage(entry);
      if (usage) byLabel.set(label, (byLabel.get(label) ?? 0) + usage.cpuSeconds);
    } catch {
      // The process ended while it was read.
    }
  }
  return { at: Date.now(), byLabel, machine: machineTicks() };
}

/**
 * The `top` labels by CPU between two machineUsage() snapshots, in % of one core; `exclude` are our own. The
 * machine's busy time that no live process accounts for (processes that ended meanwhile, such as a build's or a
 * test run's, and the kernel) is listed as "exited or kernel".
 */
export function topConsumers(before, after, { exclude = [], top = 5 } = {}) {
  const seconds = (after.at - before.at) / 1000;
  const all = [...after.byLabel].map(([label, cpuSeconds]) => ({
    label,
    cpuPercent: ((cpuSeconds - (before.byLabel.get(label) ?? 0)) / seconds) * 100,
  }));
  const busy = ((after.machine.busy - before.machine.busy) / CLOCK_TICKS / seconds) * 100;
  const unaccounted = busy - all.reduce((sum, { cpuPercent }) => sum + cpuPercent, 0);
  return [
    ...all.filter(({ label }) => !exclude.includes(label)),
    { label: 'exited or kernel', cpuPercent: unaccounted },
  ]
    .sort((a, b) => b.cpuPercent - a.cpuPercent)
    .slice(0, top);
}
