// The app images' Dockerfiles and the .dockerignore, checked offline (no Docker engine here): multi-stage from
// the pinned Node image, production dependencies only, non-root, a health check, the contract port, and a build
// context that carries every source and none of this machine's node_modules or build output. Each rule is a
// pure function (support/dockerfile-rules.ts) shown to fail on a broken copy.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SERVICE_NODE_OPTIONS } from '@kafka-platform/testing';
import { repoRoot } from './support/config-env-names';
import {
  baseImageFromPin,
  buildsWithNx,
  copiesIntoRuntime,
  exposesPort,
  healthCheckOnLive,
  installsFromManifestsFirst,
  multiStage,
  parseDockerfile,
  productionDependenciesOnly,
  productionEnv,
  runsAsNonRoot,
  serviceNodeOptions,
  startsApp,
} from './support/dockerfile-rules';
import type { Dockerfile } from './support/dockerfile-rules';
import { isIgnored, parseDockerignore } from './support/dockerignore';
import { imagePins } from './support/image-pins';
import { deployedApps } from './support/platform-apps';
import type { DeployedApp } from './support/platform-apps';

/**
 * Every app of the workspace (apps/* with a Dockerfile) and the port its image exposes and health-checks: a service's
 * API port (PORT), a stream processor's management port (MANAGEMENT_PORT), its only one.
 */
const DEPLOYED: Record<string, DeployedApp> = Object.fromEntries(deployedApps().map((app) => [app.name, app]));
const APPS: Record<string, number> = Object.fromEntries(deployedApps().map((app) => [app.name, app.port]));
type App = string;

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
const dockerfileText = (app: App) => read(`apps/${app}/Dockerfile`);
const nodeImage = imagePins().get('NODE_IMAGE') ?? '';

/** The Dockerfile text with `from` replaced (which must be there, or the negative test would prove nothing). */
function broken(app: App, from: string | RegExp, to: string): Dockerfile {
  const text = dockerfileText(app);
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`${String(from)} is not in apps/${app}/Dockerfile`);
  return parseDockerfile(changed);
}

interface Workspace {
  readonly dir: string;
  readonly name: string;
  readonly dependencies: readonly string[];
}

/** The npm workspaces named by the root package.json (`libs/*` or a plain folder) that have a package.json. */
function workspaces(): Workspace[] {
  const globs = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
  return globs
    .flatMap((glob) =>
      glob.endsWith('/*')
        ? readdirSync(join(repoRoot, glob.slice(0, -2)), { withFileTypes: true })
            .filter((entry) => entry.isDirectory())
            .map((entry) => `${glob.slice(0, -2)}/${entry.name}`)
        : [glob],
    )
    .filter((dir) => existsSync(join(repoRoot, dir, 'package.json')))
    .map((dir) => {
      const manifest = JSON.parse(read(`${dir}/package.json`)) as {
        name: string;
        dependencies?: Record<string, string>;
      };
      return { dir, name: manifest.name, dependencies: Object.keys(manifest.dependencies ?? {}) };
    });
}

/** The workspace folders an app runs with: its own and, transitively, every workspace it depends on. */
function runtimeWorkspaces(app: App): string[] {
  const byName = new Map(workspaces().map((workspace) => [workspace.name, workspace]));
  const byDir = new Map(workspaces().map((workspace) => [workspace.dir, workspace]));
  const seen = new Set<string>();
  const visit = (workspace: Workspace | undefined) => {
    if (!workspace || seen.has(workspace.dir)) return;
    seen.add(workspace.dir);
    workspace.dependencies.forEach((dependency) => visit(byName.get(dependency)));
  };
  visit(byDir.get(`apps/${app}`));
  return [...seen];
}

/** What the running app reads besides code: libs/events loads the .avsc files; the dashboard serves src/web. */
const RUNTIME_FILES = (app: App): string[] => [
  'libs/events/schemas',
  ...(app === 'dashboard-service' ? ['apps/dashboard-service/src/web'] : []),
];

/** The workspace folders (libs/x, apps/x) whose package.json or dist the runtime stage copies from the build. */
const copiedWorkspaces = (text: string): string[] => [
  ...new Set(
    text
      .split('\n')
      .map((line) => /^COPY --from=build \/app\/((?:libs|apps)\/[^/\s]+)\//.exec(line)?.[1])
      .filter((dir): dir is string => dir !== undefined),
  ),
];

/** Copied workspaces the app does not run with: dead weight in the image, and code that could be loaded by mistake. */
const extraWorkspaces = (text: string, used: readonly string[]): string[] =>
  copiedWorkspaces(text).filter((dir) => !used.includes(dir));

describe.each(Object.keys(APPS))('apps/%s/Dockerfile', (app) => {
  const file = parseDockerfile(dockerfileText(app));

  it('builds in one stage and runs from another, both the pinned Node image', () => {
    expect(multiStage(file)).toEqual([]);
    expect(baseImageFromPin(file, nodeImage)).toEqual([]);
  });

  it('installs from the manifests first, then builds the app with Nx', () => {
    const manifests = workspaces().map((workspace) => `${workspace.dir}/package.json`);
    expect(manifests).toContain(`apps/${app}/package.json`);
    expect(installsFromManifestsFirst(file, manifests)).toEqual([]);
    expect(buildsWithNx(file, app)).toEqual([]);
  });

  it('runs with production dependencies only, NODE_ENV=production, as a non-root user', () => {
    expect(productionDependenciesOnly(file)).toEqual([]);
    expect(productionEnv(file)).toEqual([]);
    expect(runsAsNonRoot(file)).toEqual([]);
  });

  it('runs node with the options the services are tested and benchmarked with', () => {
    expect(serviceNodeOptions(file, SERVICE_NODE_OPTIONS)).toEqual([]);
    expect(readFileSync(join(repoRoot, 'tools', 'dev', 'start.mjs'), 'utf8')).toContain(`'${SERVICE_NODE_OPTIONS}'`);
  });

  it('copies every workspace the app runs with, and the files it reads at run time', () => {
    const workspaceFiles = runtimeWorkspaces(app).flatMap((dir) => [`${dir}/package.json`, `${dir}/dist`]);
    expect(workspaceFiles).toEqual(expect.arrayContaining(['libs/kafka/dist', 'libs/events/dist', `apps/${app}/dist`]));
    expect(copiesIntoRuntime(file, ['node_modules', ...workspaceFiles, ...RUNTIME_FILES(app)])).toEqual([]);
  });

  it('copies no workspace the app does not run with (the image carries exactly what runs)', () => {
    expect(copiedWorkspaces(dockerfileText(app)).length).toBeGreaterThan(0);
    expect(extraWorkspaces(dockerfileText(app), runtimeWorkspaces(app))).toEqual([]);
  });

  it(`exposes ${APPS[app] as number}, checks /health/live on it and starts dist/main.js`, () => {
    const { port, portVariable } = DEPLOYED[app] as DeployedApp;
    expect(exposesPort(file, port)).toEqual([]);
    expect(healthCheckOnLive(file)).toEqual([]);
    // The check asks the port the app listens on: the variable the runtime sets, defaulting to the exposed port.
    expect(dockerfileText(app)).toMatch(new RegExp(`^ENV [^]*?\\b${portVariable}=${port}\\b`, 'm'));
    expect(dockerfileText(app)).toContain(`(process.env.${portVariable}||${port})+'/health/live'`);
    expect(startsApp(file, app)).toEqual([]);
  });
});

describe('the Dockerfile rules report', () => {
  const app = 'user-service';
  const manifests = () => workspaces().map((workspace) => `${workspace.dir}/package.json`);

  it.each([
    [
      'a single stage',
      () => multiStage(parseDockerfile('FROM node:24.21.0\nCMD ["node"]')),
      'has 1 stage(s); needs a build and a runtime stage',
    ],
    [
      'an ARG default that is not the .env pin',
      () => baseImageFromPin(broken(app, nodeImage, 'node:24-slim'), nodeImage),
      `ARG NODE_IMAGE defaults to node:24-slim, .env pins ${nodeImage}`,
    ],
    [
      'a FROM that bypasses the pin',
      () => baseImageFromPin(broken(app, 'FROM ${NODE_IMAGE} AS runtime', 'FROM node:latest AS runtime'), nodeImage),
      'FROM node:latest is not ${NODE_IMAGE}',
    ],
    [
      'no USER',
      () => runsAsNonRoot(broken(app, /^USER node$/m, '')),
      'the final stage sets no USER, so it runs as root',
    ],
    ['USER root', () => runsAsNonRoot(broken(app, /^USER node$/m, 'USER root')), 'the final stage runs as root'],
    [
      'no HEALTHCHECK',
      () => healthCheckOnLive(broken(app, /^HEALTHCHECK[^\n]*\\\n[^\n]*\n/m, '')),
      'the final stage has no HEALTHCHECK',
    ],
    [
      'a HEALTHCHECK on another path',
      () => healthCheckOnLive(broken(app, "/health/live'", "/'")),
      expect.stringMatching(/^HEALTHCHECK does not ask \/health\/live/),
    ],
    [
      'another port',
      () => exposesPort(broken(app, 'EXPOSE 3001', 'EXPOSE 3009'), 3001),
      'the final stage does not EXPOSE 3001 (exposes 3009)',
    ],
    [
      'node_modules with dev dependencies',
      () => productionDependenciesOnly(broken(app, / \\\n && npm prune --omit=dev[^\n]*/, '')),
      'node_modules come from stage build, whose last npm step (npm ci --ignore-scripts --no-audit --no-fund) keeps dev dependencies',
    ],
    [
      'an install in the runtime stage',
      () => productionDependenciesOnly(broken(app, /^USER node$/m, 'RUN npm install\nUSER node')),
      'the final stage runs `npm install` with dev dependencies',
    ],
    [
      'no NODE_ENV=production',
      () => productionEnv(broken(app, 'NODE_ENV=production', 'NODE_ENV=development')),
      'the final stage does not set NODE_ENV=production',
    ],
    [
      'a shell-form CMD',
      () => startsApp(broken(app, /^CMD \[.*\]$/m, 'CMD node apps/user-service/dist/main.js'), app),
      'CMD is not in exec form: node apps/user-service/dist/main.js',
    ],
    [
      'a CMD that runs another file',
      () => startsApp(broken(app, 'dist/main.js"]', 'src/main.ts"]'), app),
      expect.stringMatching(/^CMD is \["node", "apps\/user-service\/src\/main.ts"\]/),
    ],
    [
      'sources copied before npm ci',
      () => installsFromManifestsFirst(broken(app, /^RUN npm ci/m, 'COPY . .\nRUN npm ci'), manifests()),
      'the whole context is copied before npm ci, so every change reinstalls',
    ],
    [
      'a workspace manifest left out',
      () => installsFromManifestsFirst(broken(app, /^COPY tools\/local-stack\/package.json.*$/m, ''), manifests()),
      'not copied before npm ci: tools/local-stack/package.json',
    ],
    [
      'no Nx build',
      () => buildsWithNx(broken(app, 'nx run user-service:build', 'tsc -b'), app),
      'no RUN builds user-service with nx',
    ],
    [
      'the Avro schemas left behind',
      () =>
        copiesIntoRuntime(broken(app, /^COPY --from=build \/app\/libs\/events\/schemas.*$/m, ''), [
          'libs/events/schemas',
        ]),
      'the final stage does not copy libs/events/schemas',
    ],
  ])('%s', (_, check, problem) => {
    expect(check()).toEqual([problem]);
  });
});

describe('the runtime workspaces rule', () => {
  it("reports a lib the app does not run with (signup-analytics with libs/platform's dist)", () => {
    const text = dockerfileText('signup-analytics').replace(
      /^(COPY --from=build \/app\/libs\/kafka\/dist .*)$/m,
      '$1\nCOPY --from=build /app/libs/platform/dist libs/platform/dist',
    );
    expect(text).toContain('libs/platform/dist');
    expect(extraWorkspaces(text, runtimeWorkspaces('signup-analytics'))).toEqual(['libs/platform']);
  });
});

describe("the apps' Dockerfiles", () => {
  it('differ only in the app, its port (and its variable), the workspaces it runs with and the dashboard page', () => {
    const normalized = (app: App) =>
      dockerfileText(app)
        .split('\n')
        // Comments, the workspace manifest list (checked above, the same in all of them) and the dashboard's page.
        .filter((line) => line.trim() && !line.startsWith('#') && !line.includes('src/web'))
        .filter((line) => !/^COPY \S+\/package\.json \S+\/$/.test(line))
        // The runtime's workspace copies: exactly the workspaces the app runs with, checked per app above.
        .filter((line) => !/^COPY --from=build \/app\/(libs|apps)\/[^/\s]+\/(package\.json|dist) /.test(line))
        .join('\n')
        .replaceAll(app, '<app>')
        .replace(new RegExp(`\\b${DEPLOYED[app]?.portVariable}\\b`, 'g'), '<port variable>')
        .replaceAll(String(APPS[app]), '<port>');
    for (const app of Object.keys(APPS)) {
      expect({ app, dockerfile: normalized(app) }).toEqual({ app, dockerfile: normalized('user-service') });
    }
  });
});

describe('.dockerignore', () => {
  const patterns = parseDockerignore(read('.dockerignore'));

  /** The repository's files below `dir`, relative to the root, skipping what is never a build input. */
  function files(dir: string): string[] {
    return readdirSync(join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return ['node_modules', 'dist'].includes(entry.name) ? [] : files(path);
      return [relative(repoRoot, join(repoRoot, path))];
    });
  }

  it('lets every build input through: manifests, configs, sources, schemas, the web page', () => {
    const rootInputs = [
      'package.json',
      'package-lock.json',
      '.npmrc',
      'nx.json',
      'tsconfig.base.json',
      'tsconfig.json',
    ];
    const workspaceInputs = workspaces().flatMap(({ dir }) =>
      readdirSync(join(repoRoot, dir))
        .filter((name) => /^(package|project)\.json$|^tsconfig.*\.json$/.test(name))
        .map((name) => `${dir}/${name}`),
    );
    const sources = ['apps', 'libs']
      .flatMap(files)
      // Tests and the Dockerfiles themselves are not build inputs (docker reads the Dockerfile separately).
      .filter((path) => !path.endsWith('.spec.ts') && !path.includes('/test/') && !path.endsWith('/Dockerfile'));
    expect(sources).toEqual(
      expect.arrayContaining(['libs/events/schemas/new_user/v1.avsc', 'apps/dashboard-service/src/web/index.html']),
    );
    expect([...rootInputs, ...workspaceInputs, ...sources].filter((path) => isIgnored(patterns, path))).toEqual([]);
  });

  it("keeps out this machine's node_modules, build output, git history, stack data and secrets", () => {
    const mustStayOut = [
      'node_modules/kafkajs/package.json',
      'apps/user-service/node_modules/x/index.js',
      'dist/out-tsc/deploy/x.js',
      'libs/kafka/dist/index.js',
      'apps/user-service/dist/main.js',
      '.git/HEAD',
      '.local-stack/data/kafka/node-1/meta.properties',
      '.nx/workspace-data/file-map.json',
      'coverage/lcov.info',
      'tools/e2e/artifacts/dashboard.png',
      'npm-debug.log',
      '.env',
    ];
    expect(mustStayOut.filter((path) => !isIgnored(patterns, path))).toEqual([]);
  });

  it('is read as Docker reads it: ** across folders, ! letting a path back in, the last match deciding', () => {
    const rules = parseDockerignore('# comment\n**/dist\nnode_modules\n!libs/keep/dist\n/secret/*.key\n');
    expect(isIgnored(rules, 'a/b/dist/c.js')).toBe(true);
    expect(isIgnored(rules, 'dist')).toBe(true);
    expect(isIgnored(rules, 'libs/keep/dist/x.js')).toBe(false);
    expect(isIgnored(rules, 'node_modules/x')).toBe(true);
    expect(isIgnored(rules, 'apps/a/node_modules/x')).toBe(false); // no **/: only the root one
    expect(isIgnored(rules, 'secret/a.key')).toBe(true);
    expect(isIgnored(rules, 'secret/sub/a.key')).toBe(false);
    expect(isIgnored(rules, 'distant/file')).toBe(false);
    // A rule that would starve the build is visible to the checks above.
    expect(isIgnored(parseDockerignore('libs\n'), 'libs/events/schemas/new_user/v1.avsc')).toBe(true);
  });
});
