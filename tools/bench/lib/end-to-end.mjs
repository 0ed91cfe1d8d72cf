// The end-to-end benchmark of issue 11: the three built services as processes (PlatformUnderTest, as tools/faults
// runs them), sign-ups sent open loop at fixed rates, and for each user the time its POST was answered, its
// new_user reached the dashboard's projection (the live stream) and its welcome mail reached the SMTP sink.
// Latencies count from the time a request was scheduled, so a slow platform (or a late load generator) cannot hide
// its queueing (coordinated omission).
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  PlatformUnderTest,
  SERVICE_NODE_OPTIONS,
  deleteNamespaceTopics,
  stackEndpoints,
} from '@kafka-platform/testing';
import {
  backlogSampler,
  machineUsage,
  mailWatcher,
  processUsage,
  projectionWatcher,
  topConsumers,
} from './end-to-end-observers.mjs';

const PROFILE_HOOK = join(dirname(fileURLToPath(import.meta.url)), 'profile-on-signal.cjs');

const SERVICES = ['user-service', 'email-service', 'dashboard-service'];
const LOAD_GENERATOR = 'load generator';
const REQUEST_TIMEOUT_MS = 30_000;
/** How long after a rate's last send its users may take to reach the projection and the sink. */
const DELIVERY_BOUND_MS = 60_000;
/** How long the backlog (outbox, both groups' lag) may take to reach zero before the next rate starts. */
const DRAIN_BOUND_MS = 60_000;
const SAMPLE_INTERVAL_MS = 500;
const LOCALES = ['en', 'de', 'fr', 'es'];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The services' env beyond the stack's endpoints. The test env's quick retries, short shutdown and quiet logs
 * would make them unlike production, so those are unset (each service then uses its own default: 5 handler
 * attempts, 200 ms–10 s backoff, LOG_LEVEL info with a line per request); only the rate limits stay raised, as
 * in every test, since all sign-ups come from one address.
 */
function serviceEnv(env, profileDir) {
  const endpoints = stackEndpoints(env);
  // BENCH_SERVICE_NODE_OPTIONS: V8/Node flags for the services only (e.g. --max-semi-space-size=4), to compare.
  const nodeOptions = [
    SERVICE_NODE_OPTIONS,
    ...(env.BENCH_SERVICE_NODE_OPTIONS ? [env.BENCH_SERVICE_NODE_OPTIONS] : []),
    ...(profileDir ? [`--require ${PROFILE_HOOK}`] : []),
  ];
  return {
    NODE_OPTIONS: nodeOptions.join(' '),
    ...(profileDir && { BENCH_PROFILE_DIR: profileDir }),
    KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
    SMTP_HOST: endpoints.smtp.host,
    SMTP_PORT: String(endpoints.smtp.port),
    OIDC_ISSUER_URL: endpoints.oidcIssuerUrl,
    RATE_LIMIT_PER_MINUTE: '10000000',
    SIGNUP_RATE_LIMIT_PER_MINUTE: '10000000',
    // Undefined values are left out of a child's env (child_process), so these fall back to the defaults.
    KAFKA_HANDLER_MAX_ATTEMPTS: undefined,
    KAFKA_RETRY_INITIAL_MS: undefined,
    KAFKA_RETRY_MAX_MS: undefined,
    KAFKA_SHUTDOWN_TIMEOUT_MS: undefined,
    LOG_LEVEL: undefined,
  };
}

/**
 * Starts the platform once, then runs each rate for `durationSeconds`, letting the backlog drain in between.
 * Returns a plain object (see endToEndTable). `signal` (optional) stops it between steps, closing the platform.
 */
export async function runEndToEnd({
  rates,
  durationSeconds,
  env = process.env,
  log = () => undefined,
  signal,
  profileDir,
}) {
  const startedAt = Date.now();
  log(`starting the platform (three service processes)`);
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const platform = await PlatformUnderTest.start({ env: serviceEnv(env, profileDir) });
  const watchers = [];
  try {
    const ctx = await watch(platform, { env, log, since: startedAt, watchers });
    // Let start-up work (consumer joins, first metadata, JIT of the start path) settle before idle RSS.
    await sleep(3_000);
    const idleRssMB = Object.fromEntries(ctx.processes.map(({ name, pid }) => [name, processUsage(pid)?.rssMB]));
    const results = [];
    for (const rate of rates) {
      signal?.throwIfAborted();
      log(`${rate}/s for ${durationSeconds} s`);
      const profiling = profileDir ? profileWindow(ctx, profileDir, `${rate}`) : undefined;
      const { result, accepted } = await runRate(ctx, { rate, durationSeconds, signal }).finally(() => profiling?.());
      log(summaryLine(result));
      results.push(result);
      result.drainSeconds = await drain(ctx, signal);
      result.afterDrain = await deliveredAfterDrain(ctx, accepted);
    }
    return {
      benchmark: 'end-to-end',
      startedAt: new Date(startedAt).toISOString(),
      durationSeconds: (Date.now() - startedAt) / 1000,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, platform: process.platform },
      platform: { namespace: platform.namespace, topic: platform.topic, brokers: stackEndpoints(env).kafkaBrokers },
      plan: { rates, durationSeconds, deliveryBoundMs: DELIVERY_BOUND_MS, sampleIntervalMs: SAMPLE_INTERVAL_MS },
      idleRssMB,
      rates: results,
    };
  } finally {
    await Promise.allSettled(watchers.map((watcher) => watcher.stop()));
    await platform.close().catch((error) => log(`closing the platform: ${error.message}`));
    // PlatformUnderTest.close drops the databases and subjects; the namespace's topics go here.
    await deleteNamespaceTopics(platform.namespace, env).catch(() => undefined);
  }
}

/**
 * Starts the services' CPU profilers (lib/profile-on-signal.cjs) and returns what stops them, which writes
 * `<profileDir>/<service>-<label>.cpuprofile` (open it in Chrome DevTools or speedscope).
 */
function profileWindow(ctx, profileDir, label) {
  writeFileSync(join(profileDir, 'label'), label);
  const signalServices = () => {
    for (const { name, pid } of ctx.processes) if (name !== LOAD_GENERATOR) process.kill(pid, 'SIGUSR2');
  };
  signalServices();
  return signalServices;
}

/** The live-stream subscriber, the mail watcher and the sampler, with what runRate needs to send sign-ups. */
async function watch(platform, { env, log, since, watchers }) {
  const { services } = platform;
  const stream = projectionWatcher({ url: `${services['dashboard-service'].url}/api/stream`, env, log });
  watchers.push(stream);
  await Promise.race([stream.ready, sleep(30_000).then(() => Promise.reject(new Error('no live stream in 30 s')))]);
  const mail = mailWatcher({ env, since, log });
  watchers.push(mail);
  const processes = [
    ...SERVICES.map((name) => ({ name, pid: services[name].pid })),
    { name: LOAD_GENERATOR, pid: process.pid },
  ];
  const sampler = await backlogSampler({
    env,
    outboxUrl: platform.databases['user-service'].url,
    topic: platform.topic,
    groups: { dashboard: platform.group('dashboard-service'), email: platform.group('email-service') },
    processes,
    intervalMs: SAMPLE_INTERVAL_MS,
    log,
  });
  watchers.push(sampler);
  // Enough sockets that the agent's queue is not the bottleneck at 1,000/s with slow answers; kept alive, as a
  // load balancer in front of the service would keep them.
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  watchers.push({ stop: async () => agent.destroy() });
  return { platform, stream, mail, sampler, processes, agent, log };
}

/** One offered rate: open-loop sign-ups, then a bounded wait for every accepted user's projection and mail. */
async function runRate(ctx, { rate, durationSeconds, signal }) {
  const run = randomUUID().slice(0, 8);
  const start = Date.now() + 200;
  const duplicatesBefore = ctx.mail.duplicates;
  const known = new Map(ctx.processes.map(({ name, pid }) => [pid, name]));
  const machineBefore = machineUsage(known);
  const requests = await openLoop(ctx, { rate, durationSeconds, start, run });
  const lastScheduled = requests.at(-1)?.scheduledAt ?? start;
  const accepted = requests.filter((entry) => entry.status >= 200 && entry.status < 300 && entry.userId);
  const deliveredAt = await awaitDelivery(ctx, accepted, lastScheduled + DELIVERY_BOUND_MS, signal);
  const samples = ctx.sampler.between(start, deliveredAt);
  const others = topConsumers(machineBefore, machineUsage(known), { exclude: [...known.values()] });
  const duplicateMails = ctx.mail.duplicates - duplicatesBefore;
  const result = rateResult({
    rate,
    durationSeconds,
    start,
    requests,
    accepted,
    deliveredAt,
    samples,
    duplicateMails,
    ctx,
  });
  return { result: { ...result, otherProcessesCpuPercent: others }, accepted };
}

/**
 * Sends `rate * durationSeconds` sign-ups, each at start + i/rate whatever the earlier ones did: a timer wakes
 * at the next due time and sends everything due by then. Resolves once every request has its answer (or error).
 */
function openLoop(ctx, { rate, durationSeconds, start, run }) {
  const total = Math.round(rate * durationSeconds);
  const interval = 1000 / rate;
  const requests = [];
  const answers = [];
  return new Promise((resolve) => {
    let next = 0;
    const tick = () => {
      const now = Date.now();
      for (; next < total && start + next * interval <= now; next += 1) {
        const entry = { index: next, email: `e2e-${run}-${next}@example.com`, scheduledAt: start + next * interval };
        requests.push(entry);
        ctx.mail.expect(entry.email);
        answers.push(signUp(ctx.platform.services['user-service'].url, ctx.agent, entry));
      }
      if (next < total) setTimeout(tick, Math.max(0, start + next * interval - Date.now()));
      else resolve(Promise.all(answers).then(() => requests));
    };
    setTimeout(tick, Math.max(0, start - Date.now()));
  });
}

/** POST /users (public: a sign-up needs no token); fills in sentAt, respondedAt, status and the new user's id. */
function signUp(url, agent, entry) {
  const body = JSON.stringify({
    email: entry.email,
    name: `Bench User ${entry.index}`,
    locale: LOCALES[entry.index % LOCALES.length],
  });
  entry.sentAt = Date.now();
  return new Promise((resolve) => {
    const done = (status, text, error) => {
      if (entry.respondedAt) return;
      entry.respondedAt = Date.now();
      entry.status = status;
      if (error) entry.error = error;
      if (status === 201) entry.userId = idOf(text);
      // What a refusal said (code, message), for the first of each status in the result.
      else if (text) entry.body = text.slice(0, 300);
      resolve();
    };
    const req = request(
      `${url}/users`,
      {
        method: 'POST',
        agent,
        timeout: REQUEST_TIMEOUT_MS,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => done(response.statusCode, Buffer.concat(chunks).toString('utf8')));
        response.on('error', (error) => done(0, '', error.code ?? error.message));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error) => done(0, '', error.code ?? error.message));
    req.end(body);
  });
}

/** The new user's id from a 201's body; undefined (not counted as accepted) when the body is not the user. */
function idOf(text) {
  try {
    return JSON.parse(text).id;
  } catch {
    return undefined;
  }
}

/**
 * Waits until every accepted user is on the projection and in the sink, or the deadline. When the live stream
 * had a gap (a reconnect, a resync) the users it did not show are looked up in the projection itself: they
 * count as projected, without a time.
 */
async function awaitDelivery(ctx, accepted, deadline, signal) {
  for (;;) {
    signal?.throwIfAborted();
    const unprojected = accepted.filter((entry) => !ctx.stream.seenAt.has(entry.userId) && !entry.projectedUnseen);
    if (unprojected.length > 0 && ctx.stream.gaps > 0) await markProjected(ctx, unprojected);
    const done = accepted.every(
      (entry) => (ctx.stream.seenAt.has(entry.userId) || entry.projectedUnseen) && ctx.mail.arrivedAt(entry.email),
    );
    if (done || Date.now() > deadline) return Date.now();
    await sleep(250);
  }
}

/** Marks the users the dashboard's live generation holds (SQL, as tools/faults reads it). */
async function markProjected(ctx, entries) {
  const database = ctx.platform.databases['dashboard-service'];
  const [live] = await database.query(`SELECT schema_name FROM public.dashboard_generations WHERE state = 'live'`);
  if (!live || !/^dashboard_g\d+$/.test(live.schema_name)) return;
  const rows = await database.query(
    `SELECT user_id FROM ${live.schema_name}.dashboard_users WHERE created_at IS NOT NULL AND user_id = ANY($1)`,
    [entries.map((entry) => entry.userId)],
  );
  const found = new Set(rows.map((row) => row.user_id));
  for (const entry of entries) if (found.has(entry.userId)) entry.projectedUnseen = true;
}

/** What had arrived once the backlog drained: tells a slow delivery (beyond the bound) from a lost one. */
async function deliveredAfterDrain(ctx, accepted) {
  await ctx.mail.poll().catch(() => undefined);
  const unprojected = accepted.filter((entry) => !ctx.stream.seenAt.has(entry.userId) && !entry.projectedUnseen);
  if (unprojected.length > 0) await markProjected(ctx, unprojected);
  return {
    projected: accepted.filter((entry) => ctx.stream.seenAt.has(entry.userId) || entry.projectedUnseen).length,
    mailed: accepted.filter((entry) => ctx.mail.arrivedAt(entry.email)).length,
  };
}

/** Waits until no outbox row is pending and neither group lags, as the sampler last saw them. */
async function drain(ctx, signal) {
  const began = Date.now();
  for (;;) {
    signal?.throwIfAborted();
    const sample = ctx.sampler.latest();
    const empty = sample && sample.at > began && sample.outbox === 0 && sample.lag.dashboard === 0;
    if (empty && sample.lag.email === 0) return (Date.now() - began) / 1000;
    if (Date.now() - began > DRAIN_BOUND_MS) {
      ctx.log(`backlog not drained after ${DRAIN_BOUND_MS / 1000} s: ${JSON.stringify(sample)}`);
      return (Date.now() - began) / 1000;
    }
    await sleep(SAMPLE_INTERVAL_MS);
  }
}

/** Nearest-rank percentiles and the maximum, in ms; undefined values (not reached) are left out. */
export function distribution(values) {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return { count: 0, p50: null, p99: null, max: null };
  const rank = (p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
  return { count: sorted.length, p50: rank(50), p99: rank(99), max: sorted.at(-1) };
}

const peakAndMean = (values) => {
  const present = values.filter((value) => Number.isFinite(value));
  if (present.length === 0) return { peak: null, mean: null };
  return { peak: Math.max(...present), mean: present.reduce((sum, value) => sum + value, 0) / present.length };
};

function rateResult({ rate, durationSeconds, start, requests, accepted, deliveredAt, samples, duplicateMails, ctx }) {
  const statuses = {};
  for (const { status, error } of requests) {
    const key = status === 0 ? `error:${error}` : String(status);
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  const lastAnswer = Math.max(...accepted.map((entry) => entry.respondedAt), start);
  const projectedAt = (entry) => ctx.stream.seenAt.get(entry.userId);
  const mailedAt = (entry) => ctx.mail.arrivedAt(entry.email);
  const processes = Object.fromEntries(
    ctx.processes.map(({ name }) => [
      name,
      {
        cpuPercent: peakAndMean(samples.map((sample) => sample.cpu[name])),
        rssMB: peakAndMean(samples.map((sample) => sample.rssMB[name])),
      },
    ]),
  );
  return {
    offered: rate,
    durationSeconds,
    sent: requests.length,
    accepted: accepted.length,
    // 2xx per second over the sending window, or over longer when the answers came later than it.
    achieved: accepted.length / Math.max(durationSeconds, (lastAnswer - start) / 1000),
    statuses,
    non2xx: Object.fromEntries(Object.entries(statuses).filter(([status]) => !/^2\d\d$/.test(status))),
    non2xxExamples: Object.fromEntries(
      requests
        .filter((entry) => entry.body)
        .map((entry) => [entry.status, entry.body])
        .reverse(),
    ),
    sendDelayMs: distribution(requests.map((entry) => entry.sentAt - entry.scheduledAt)),
    postMs: distribution(requests.map((entry) => entry.respondedAt - entry.scheduledAt)),
    projectionMs: distribution(accepted.map((entry) => projectedAt(entry) - entry.scheduledAt)),
    mailMs: distribution(accepted.map((entry) => mailedAt(entry) - entry.scheduledAt)),
    projected: accepted.filter((entry) => projectedAt(entry) || entry.projectedUnseen).length,
    projectedNotOnStream: accepted.filter((entry) => !projectedAt(entry) && entry.projectedUnseen).length,
    mailed: accepted.filter(mailedAt).length,
    duplicateMails,
    deliverySeconds: (deliveredAt - start) / 1000,
    // Counted since the stream was first opened, not per rate.
    streamSoFar: { ...ctx.stream.counts },
    backlog: {
      samples: samples.length,
      outboxPending: peakAndMean(samples.map((sample) => sample.outbox)),
      dashboardLag: peakAndMean(samples.map((sample) => sample.lag.dashboard)),
      emailLag: peakAndMean(samples.map((sample) => sample.lag.email)),
    },
    processes,
    machineCpuPercent: peakAndMean(samples.map((sample) => sample.machineCpu)),
  };
}

function summaryLine(result) {
  return (
    `${result.offered}/s: ${result.accepted}/${result.sent} accepted (${result.achieved.toFixed(1)}/s), ` +
    `projected ${result.projected}, mailed ${result.mailed}, all in ${result.deliverySeconds.toFixed(1)} s`
  );
}

const ms = (value) => (value === null || value === undefined ? 'n/a' : Math.round(value).toLocaleString('en-US'));
const triple = (dist) => `${ms(dist.p50)} / ${ms(dist.p99)} / ${ms(dist.max)}`;
const num = (value, digits = 0) => (value === null || value === undefined ? 'n/a' : value.toFixed(digits));
const peakMean = ({ peak, mean }, digits = 0) => `${num(peak, digits)} / ${num(mean, digits)}`;
const statusList = (counts) =>
  Object.entries(counts)
    .map(([status, count]) => `${count}× ${status}`)
    .join(', ') || '0';

/** "1000 / 990 of 1000", with what had arrived once the backlog drained when that differs. */
function delivered(rate) {
  const within = `${rate.projected} / ${rate.mailed} of ${rate.accepted}`;
  const after = rate.afterDrain;
  if (!after || (after.projected === rate.projected && after.mailed === rate.mailed)) return within;
  return `${within} (${after.projected} / ${after.mailed})`;
}

/**
 * CPU milliseconds one accepted sign-up cost a process: its mean CPU over the sampled window (first send until
 * every accepted sign-up was projected and mailed) times the window, over the sign-ups accepted.
 */
const perSignUp = (rate, cpuPercent) =>
  rate.accepted > 0 && Number.isFinite(cpuPercent) ? (cpuPercent * 10 * rate.deliverySeconds) / rate.accepted : null;

/** Markdown: latencies per rate, backlog per rate, and CPU/RSS per rate and process. */
export function endToEndTable(result) {
  const names = Object.keys(result.idleRssMB);
  const lines = [
    `End to end, ${result.startedAt} (${result.machine.cpus} CPUs, Node ${result.machine.node}); ` +
      `${result.plan.durationSeconds} s per rate, open loop; latencies in ms from each request's scheduled time ` +
      `(p50 / p99 / max); projection = its new_user frame on the dashboard's live stream, mail = its arrival in ` +
      `the SMTP sink; achieved = 2xx answers / time from the first scheduled send to the last 2xx answer (at ` +
      `least the window).`,
    '',
    '| Offered/s | Achieved/s | Non-2xx | POST | POST→projection | POST→mail | Projected / mailed of accepted (after drain) | Delivery wait (s) |',
    '| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
    ...result.rates.map(
      (rate) =>
        `| ${rate.offered} | ${num(rate.achieved, 1)} | ${statusList(rate.non2xx)} | ${triple(rate.postMs)} | ` +
        `${triple(rate.projectionMs)} | ${triple(rate.mailMs)} | ${delivered(rate)} | ${num(rate.deliverySeconds, 1)} |`,
    ),
    '',
    `Backlog, peak / mean of samples every ${result.plan.sampleIntervalMs} ms from the first send until all was ` +
      `delivered; drain = time for all three to reach 0 afterwards.`,
    '',
    '| Offered/s | Outbox pending | Dashboard group lag | Email group lag | Machine CPU % | Drain (s) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...result.rates.map(
      (rate) =>
        `| ${rate.offered} | ${peakMean(rate.backlog.outboxPending)} | ${peakMean(rate.backlog.dashboardLag)} | ` +
        `${peakMean(rate.backlog.emailLag)} | ${peakMean(rate.machineCpuPercent)} | ${num(rate.drainSeconds, 1)} |`,
    ),
    '',
    'Processes: CPU in % of one core and RSS in MB, peak / mean over the same window; idle RSS before any load; ' +
      'CPU ms per sign-up = CPU time over the window / sign-ups accepted (what one sign-up cost the process).',
    '',
    '| Offered/s | Process | CPU % | CPU ms per sign-up | RSS MB | Idle RSS MB |',
    '| ---: | --- | ---: | ---: | ---: | ---: |',
    ...result.rates.flatMap((rate) =>
      names.map(
        (name) =>
          `| ${rate.offered} | ${name} | ${peakMean(rate.processes[name].cpuPercent)} | ` +
          `${num(perSignUp(rate, rate.processes[name].cpuPercent.mean), 2)} | ` +
          `${peakMean(rate.processes[name].rssMB)} | ${num(result.idleRssMB[name])} |`,
      ),
    ),
    '',
    'Busiest other processes on the machine over the same window (CPU % of one core, and CPU ms per sign-up):',
    '',
    ...result.rates.map(
      (rate) =>
        `- ${rate.offered}/s: ` +
        rate.otherProcessesCpuPercent
          .map(({ label, cpuPercent }) => `${label} ${num(cpuPercent)} (${num(perSignUp(rate, cpuPercent), 2)} ms)`)
          .join(', '),
    ),
  ];
  return lines.join('\n');
}
