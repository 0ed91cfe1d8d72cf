// A small Dockerfile reader and the rules every app image follows, each a pure function that returns the
// problems it finds (empty = fine), so a test can show both that the real files pass and that a broken one fails.

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, … */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly image: string;
  readonly name?: string;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM (the only ones FROM may use). */
  readonly globalArgs: readonly Instruction[];
  readonly stages: readonly Stage[];
}

/** Instructions with `\` continuations joined; comment and blank lines dropped (also inside continuations). */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const continued = trimmed.endsWith('\\');
    const part = continued ? trimmed.slice(0, -1).trim() : trimmed;
    pending = pending ? { text: `${pending.text} ${part}`, line: pending.line } : { text: part, line: index + 1 };
    if (continued) return;
    const [keyword = '', ...rest] = pending.text.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: pending.line });
    pending = undefined;
  });
  const firstFrom = instructions.findIndex((instruction) => instruction.keyword === 'FROM');
  const stages: Stage[] = [];
  for (const instruction of firstFrom < 0 ? [] : instructions.slice(firstFrom)) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.replace(/--platform=\S+\s*/, '').split(/\s+/);
      stages.push({ image, ...(as?.toUpperCase() === 'AS' && name && { name }), instructions: [] });
    } else {
      (stages.at(-1)?.instructions as Instruction[]).push(instruction);
    }
  }
  return { globalArgs: firstFrom < 0 ? instructions : instructions.slice(0, firstFrom), stages };
}

const finalStage = (file: Dockerfile): Stage | undefined => file.stages.at(-1);
const all = (stage: Stage | undefined, keyword: string) =>
  stage?.instructions.filter((instruction) => instruction.keyword === keyword) ?? [];

/** A build stage with the toolchain and a runtime stage without it. */
export function multiStage(file: Dockerfile): string[] {
  return file.stages.length >= 2 ? [] : [`has ${file.stages.length} stage(s); needs a build and a runtime stage`];
}

/** Every FROM is the pinned Node image via ARG NODE_IMAGE, whose default is the .env pin. */
export function baseImageFromPin(file: Dockerfile, pinned: string): string[] {
  const arg = file.globalArgs
    .filter((instruction) => instruction.keyword === 'ARG')
    .map((instruction) => /^NODE_IMAGE(?:=(\S+))?$/.exec(instruction.args))
    .find(Boolean);
  const problems: string[] = [];
  if (!arg) problems.push('no ARG NODE_IMAGE before the first FROM');
  else if (arg[1] !== pinned) problems.push(`ARG NODE_IMAGE defaults to ${arg[1] ?? 'nothing'}, .env pins ${pinned}`);
  const stageNames = new Set(file.stages.map((stage) => stage.name).filter(Boolean));
  for (const stage of file.stages) {
    if (!['${NODE_IMAGE}', '$NODE_IMAGE'].includes(stage.image) && !stageNames.has(stage.image)) {
      problems.push(`FROM ${stage.image} is not \${NODE_IMAGE}`);
    }
  }
  return problems;
}

/** The last USER of the final stage names someone other than root. */
export function runsAsNonRoot(file: Dockerfile): string[] {
  const user = all(finalStage(file), 'USER').at(-1)?.args.split(':')[0];
  if (!user) return ['the final stage sets no USER, so it runs as root'];
  return ['root', '0'].includes(user) ? [`the final stage runs as ${user}`] : [];
}

/** A HEALTHCHECK in the final stage that asks the service's liveness endpoint. */
export function healthCheckOnLive(file: Dockerfile): string[] {
  const check = all(finalStage(file), 'HEALTHCHECK').at(-1);
  if (!check || /^NONE$/i.test(check.args)) return ['the final stage has no HEALTHCHECK'];
  return check.args.includes('/health/live') ? [] : [`HEALTHCHECK does not ask /health/live: ${check.args}`];
}

export function exposesPort(file: Dockerfile, port: number): string[] {
  const exposed = all(finalStage(file), 'EXPOSE').flatMap((instruction) => instruction.args.split(/\s+/));
  return exposed.some((entry) => entry === `${port}` || entry === `${port}/tcp`)
    ? []
    : [`the final stage does not EXPOSE ${port} (exposes ${exposed.join(', ') || 'nothing'})`];
}

/** CMD in exec form (signals reach node directly, no shell in between) starting the app's built main.js. */
export function startsApp(file: Dockerfile, app: string): string[] {
  const cmd = all(finalStage(file), 'CMD').at(-1)?.args;
  const expected = JSON.stringify(['node', `apps/${app}/dist/main.js`]);
  let parsed: unknown;
  try {
    parsed = cmd === undefined ? undefined : JSON.parse(cmd);
  } catch {
    return [`CMD is not in exec form: ${cmd}`];
  }
  return JSON.stringify(parsed) === expected ? [] : [`CMD is ${cmd ?? 'missing'}, expected ${expected}`];
}

const npmInstalls = (stage: Stage | undefined) =>
  all(stage, 'RUN').flatMap((instruction) =>
    instruction.args
      .split(/&&|;/)
      .map((command) => command.trim())
      .filter((command) => /^npm (ci|install|i|prune)\b/.test(command)),
  );
const omitsDev = (command: string) => /--omit[= ]dev\b|--production\b/.test(command);

/**
 * The runtime holds production dependencies only: it installs nothing with dev dependencies itself, and the
 * node_modules it copies come from a stage whose last npm step dropped them (prune or ci with --omit=dev).
 */
export function productionDependenciesOnly(file: Dockerfile): string[] {
  const final = finalStage(file);
  const problems = npmInstalls(final)
    .filter((command) => !omitsDev(command))
    .map((command) => `the final stage runs \`${command}\` with dev dependencies`);
  const copies = all(final, 'COPY').filter((instruction) => /\bnode_modules\b/.test(instruction.args));
  if (copies.length === 0 && npmInstalls(final).length === 0) problems.push('the final stage has no node_modules');
  for (const copy of copies) {
    const from = /--from=(\S+)/.exec(copy.args)?.[1];
    const source = file.stages.find((stage) => stage.name === from);
    const last = npmInstalls(source).at(-1);
    if (!source) problems.push(`node_modules copied from ${from ?? 'the build context'}, not from a build stage`);
    else if (!last || !omitsDev(last)) {
      problems.push(
        `node_modules come from stage ${from}, whose last npm step (${last ?? 'none'}) keeps dev dependencies`,
      );
    }
  }
  return problems;
}

/** The runtime's NODE_OPTIONS are the ones the services are tested and benchmarked with. */
export function serviceNodeOptions(file: Dockerfile, expected: string): string[] {
  const env = all(finalStage(file), 'ENV').map((instruction) => instruction.args);
  return env.some((args) => args.includes(`NODE_OPTIONS="${expected}"`))
    ? []
    : [`the final stage does not set NODE_OPTIONS="${expected}"`];
}

export function productionEnv(file: Dockerfile): string[] {
  const env = all(finalStage(file), 'ENV').map((instruction) => instruction.args);
  return env.some((args) => /(^|\s)NODE_ENV=production(\s|$)/.test(args))
    ? []
    : ['the final stage does not set NODE_ENV=production'];
}

/**
 * Layer caching: `npm ci` runs after copying only the manifests (root package.json, package-lock.json and every
 * workspace's package.json, all of which npm ci needs), so a source change does not reinstall dependencies.
 */
export function installsFromManifestsFirst(file: Dockerfile, manifests: readonly string[]): string[] {
  const stage = file.stages.find((candidate) => npmInstalls(candidate).some((command) => command.startsWith('npm ci')));
  if (!stage) return ['no stage runs npm ci'];
  const ciAt = stage.instructions.findIndex(
    (instruction) => instruction.keyword === 'RUN' && /\bnpm ci\b/.test(instruction.args),
  );
  const before = stage.instructions.slice(0, ciAt).filter((instruction) => instruction.keyword === 'COPY');
  const sources = before.flatMap((instruction) =>
    instruction.args
      .split(/\s+/)
      .filter((arg) => !arg.startsWith('--'))
      .slice(0, -1),
  );
  const problems = sources.includes('.')
    ? ['the whole context is copied before npm ci, so every change reinstalls']
    : [];
  const missing = ['package.json', 'package-lock.json', ...manifests].filter((manifest) => !sources.includes(manifest));
  if (missing.length > 0) problems.push(`not copied before npm ci: ${missing.join(', ')}`);
  return problems;
}

export function buildsWithNx(file: Dockerfile, app: string): string[] {
  const runs = file.stages.flatMap((stage) => all(stage, 'RUN'));
  return runs.some((instruction) => instruction.args.includes(`nx run ${app}:build`))
    ? []
    : [`no RUN builds ${app} with nx`];
}

/** Paths the running app reads that must reach the final stage (COPY sources, relative to the build's WORKDIR). */
export function copiesIntoRuntime(file: Dockerfile, paths: readonly string[]): string[] {
  const sources = all(finalStage(file), 'COPY').flatMap((instruction) =>
    instruction.args
      .split(/\s+/)
      .filter((arg) => !arg.startsWith('--'))
      .slice(0, -1),
  );
  return paths
    .filter((path) => !sources.some((source) => source === path || source.endsWith(`/${path}`)))
    .map((path) => `the final stage does not copy ${path}`);
}
