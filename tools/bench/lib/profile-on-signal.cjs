// Preloaded into each service by the end-to-end benchmark's --profile (NODE_OPTIONS=--require): the first SIGUSR2
// starts V8's CPU profiler, the next one writes the profile to $BENCH_PROFILE_DIR/<service>-<label>.cpuprofile,
// where <label> is the content of $BENCH_PROFILE_DIR/label (the offered rate). The window is exactly the load:
// `node --cpu-prof` writes only at a clean exit, and the services end on a re-raised SIGTERM.
const { Session } = require('node:inspector');
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { basename, dirname, join } = require('node:path');

const dir = process.env.BENCH_PROFILE_DIR;
const service = basename(dirname(dirname(process.argv[1] ?? 'node')));
const session = new Session();
let profiling = false;

process.on('SIGUSR2', () => {
  if (!dir) return;
  if (!profiling) {
    session.connect();
    session.post('Profiler.enable', () => session.post('Profiler.start'));
    profiling = true;
    return;
  }
  profiling = false;
  session.post('Profiler.stop', (error, result) => {
    session.disconnect();
    if (error) return;
    const label = readFileSync(join(dir, 'label'), 'utf8').trim();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${service}-${label}.cpuprofile`), JSON.stringify(result.profile));
  });
});
