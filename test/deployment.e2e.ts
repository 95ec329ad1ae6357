/**
 * The container deployment (issue 6, "Deployment"): Dockerfile, .dockerignore and
 * docker-compose.yml, checked as files, without building or starting anything (no registry here).
 *
 * The compose file is read two ways through one model: as YAML (always; anchors and `${VAR:-default}`
 * resolved the way Compose does with nothing set), and, when the `docker compose` client is
 * installed, as `docker compose config --format json` prints it (needs no daemon), which is what
 * Compose itself will run. Each check is also shown to catch a broken variant, so that none of them
 * passes by looking at nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load, YAML11_SCHEMA } from 'js-yaml';
import { parseSettings } from '@cordon/config';

const root = realpathSync(join(__dirname, '..'));
/** Compose prints the build context as an absolute path; a symlinked checkout still counts. */
const real = (path: string) => (existsSync(path) ? realpathSync(path) : path);
const read = (file: string) => readFileSync(join(root, file), 'utf8');

const cordonServices = ['init', 'web', 'relay', 'worker'] as const;
const allServices = [...cordonServices, 'postgres', 'mailcatcher'];
const cli = ['node', 'dist/apps/cordon/src/main.js'];
const commands: Record<(typeof cordonServices)[number], string[]> = {
  init: [...cli, 'init'],
  web: [...cli, 'serve', '--role', 'web'],
  relay: [...cli, 'serve', '--role', 'relay'],
  worker: [...cli, 'serve', '--role', 'worker'],
};
/** Mailpit's SMTP port inside its container. */
const mailCatcherSmtpPort = 1025;

// ---------------------------------------------------------------------------------------------
// One model of a compose project, from either source.

interface Port {
  hostIp: string | undefined;
  published: string | undefined;
  target: number;
}

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment: Record<string, string>;
  ports: Port[];
  user?: string;
  privileged: boolean;
  dependsOn: Record<string, string>;
  volumes: { source: string | undefined; target: string }[];
  networks: string[];
  restart?: string;
  healthcheck?: string[];
}

interface Project {
  services: Record<string, Service>;
  internalNetworks: Set<string>;
}

type Raw = Record<string, unknown>;
const asRecord = (value: unknown): Raw => (value && typeof value === 'object' ? (value as Raw) : {});
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Compose's short forms and long forms alike: `docker compose config` prints only long forms. */
function toService(raw: Raw): Service {
  const build =
    raw.build === undefined ? undefined : typeof raw.build === 'string' ? { context: raw.build } : raw.build;
  const buildRecord = asRecord(build);
  const environment: Record<string, string> = {};
  if (Array.isArray(raw.environment)) {
    for (const entry of raw.environment as string[]) {
      const eq = entry.indexOf('=');
      environment[eq < 0 ? entry : entry.slice(0, eq)] = eq < 0 ? '' : entry.slice(eq + 1);
    }
  } else {
    for (const [name, value] of Object.entries(asRecord(raw.environment))) environment[name] = String(value ?? '');
  }
  const ports = asList(raw.ports).map((port): Port => {
    if (typeof port === 'string' || typeof port === 'number') {
      const parts = String(port).split(':');
      const target = Number(parts.at(-1)!.split('/')[0]);
      if (parts.length === 1) return { hostIp: undefined, published: undefined, target };
      if (parts.length === 2) return { hostIp: undefined, published: parts[0], target };
      return {
        hostIp: parts
          .slice(0, -2)
          .join(':')
          .replace(/^\[|\]$/g, ''),
        published: parts.at(-2),
        target,
      };
    }
    const long = asRecord(port);
    return {
      hostIp: long.host_ip === undefined ? undefined : String(long.host_ip),
      published: long.published === undefined ? undefined : String(long.published),
      target: Number(long.target),
    };
  });
  const dependsOn: Record<string, string> = {};
  if (Array.isArray(raw.depends_on)) for (const name of raw.depends_on as string[]) dependsOn[name] = 'service_started';
  else
    for (const [name, value] of Object.entries(asRecord(raw.depends_on)))
      dependsOn[name] = String(asRecord(value).condition ?? 'service_started');
  const volumes = asList(raw.volumes).map((volume) => {
    if (typeof volume === 'string') {
      const [source, target] = volume.split(':');
      return target === undefined ? { source: undefined, target: source } : { source, target };
    }
    const long = asRecord(volume);
    return { source: long.source === undefined ? undefined : String(long.source), target: String(long.target) };
  });
  const networks =
    raw.networks === undefined
      ? ['default']
      : Array.isArray(raw.networks)
        ? raw.networks
        : Object.keys(asRecord(raw.networks));
  const command = typeof raw.command === 'string' ? raw.command.split(/\s+/) : (raw.command as string[] | undefined);
  const test = asRecord(raw.healthcheck).test;
  return {
    image: raw.image === undefined ? undefined : String(raw.image),
    build:
      build === undefined
        ? undefined
        : {
            context: real(resolve(root, String(buildRecord.context ?? '.'))),
            dockerfile: String(buildRecord.dockerfile ?? 'Dockerfile'),
          },
    command,
    environment,
    ports,
    user: raw.user === undefined ? undefined : String(raw.user),
    privileged: raw.privileged === true,
    dependsOn,
    volumes,
    networks: networks as string[],
    restart: raw.restart === undefined ? undefined : String(raw.restart),
    healthcheck: test === undefined ? undefined : typeof test === 'string' ? ['CMD-SHELL', test] : (test as string[]),
  };
}

function toProject(raw: Raw): Project {
  const services = Object.fromEntries(
    Object.entries(asRecord(raw.services)).map(([name, s]) => [name, toService(asRecord(s))]),
  );
  const internalNetworks = new Set(
    Object.entries(asRecord(raw.networks))
      .filter(([, network]) => asRecord(network).internal === true)
      .map(([name]) => name),
  );
  return { services, internalNetworks };
}

/** `${NAME:-default}`, `${NAME-default}` and `${NAME}` as Compose reads them with none of them set. */
function interpolateUnset(text: string): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g,
    (_, _name: string, fallback?: string) => fallback ?? '',
  );
}

function projectFromYaml(text: string): Project {
  // YAML 1.1, as Compose reads it: merge keys (`<<: *cordon`) are part of it.
  return toProject(asRecord(load(interpolateUnset(text), { schema: YAML11_SCHEMA })));
}

// ---------------------------------------------------------------------------------------------
// The checks: each returns what is wrong, so that a broken variant can be shown to fail.

const isRoot = (user: string | undefined) => user !== undefined && /^(root|0)(:.*)?$/.test(user.trim());

function composeProblems(project: Project): string[] {
  const problems: string[] = [];
  const { services } = project;
  for (const name of allServices) if (!services[name]) problems.push(`no service ${name}`);
  if (problems.length > 0) return problems;

  const postgres = services.postgres;
  const web = services.web;
  const first = services[cordonServices[0]];
  for (const name of cordonServices) {
    const service = services[name];
    // One image for every role, built from this repository's Dockerfile.
    if (!service.build || service.build.context !== root || service.build.dockerfile !== 'Dockerfile')
      problems.push(`${name} is not built from ./Dockerfile`);
    if (!service.image || service.image !== first.image) problems.push(`${name} does not use the image ${first.image}`);
    if (JSON.stringify(service.command) !== JSON.stringify(commands[name]))
      problems.push(`${name} runs ${JSON.stringify(service.command)}, not ${JSON.stringify(commands[name])}`);
    if (JSON.stringify(service.environment) !== JSON.stringify(first.environment))
      problems.push(`${name} has other settings than ${cordonServices[0]}`);

    // The settings are ones Cordon starts with.
    let settings: ReturnType<typeof parseSettings> | undefined;
    try {
      settings = parseSettings(service.environment, '/app');
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
      continue;
    }
    const db = new URL(settings.DATABASE_URL ?? 'postgres://none');
    if (
      db.hostname !== 'postgres' ||
      (db.port || '5432') !== '5432' ||
      decodeURIComponent(db.username) !== postgres.environment.POSTGRES_USER ||
      decodeURIComponent(db.password) !== (postgres.environment.POSTGRES_PASSWORD ?? '') ||
      db.pathname !== `/${postgres.environment.POSTGRES_DB ?? postgres.environment.POSTGRES_USER}`
    )
      problems.push(`${name}: DATABASE_URL does not name the postgres service's user, password and database`);
    const outbound = settings.OUTBOUND_SMTP_URL ? new URL(settings.OUTBOUND_SMTP_URL) : undefined;
    if (!outbound || outbound.hostname !== 'mailcatcher' || outbound.port !== String(mailCatcherSmtpPort))
      problems.push(`${name}: OUTBOUND_SMTP_URL is not smtp://mailcatcher:${mailCatcherSmtpPort}`);
    if (settings.HTTP_HOST !== '0.0.0.0' || settings.SMTP_HOST !== '0.0.0.0')
      problems.push(`${name}: listeners bound inside the container cannot be reached through a published port`);

    // The server secret is one file for all roles: in a named volume every Cordon service mounts.
    const holding = service.volumes.find((v) => settings.secretKeyFile.startsWith(`${v.target.replace(/\/$/, '')}/`));
    const firstHolding = first.volumes.find((v) => v.target === holding?.target);
    if (!holding?.source || holding.source.startsWith('.') || holding.source.startsWith('/'))
      problems.push(`${name}: the server secret ${settings.secretKeyFile} is not in a named volume`);
    else if (firstHolding?.source !== holding.source)
      problems.push(`${name}: the server secret is not the one init creates`);

    if (isRoot(service.user)) problems.push(`${name} runs as ${service.user}`);
    // Postgres is reached over a network that leads nowhere else.
    if (!postgres.networks.some((n) => project.internalNetworks.has(n) && service.networks.includes(n)))
      problems.push(`${name} shares no internal network with postgres`);
  }

  // Start-up order: postgres healthy -> init done -> the roles.
  if (services.init.dependsOn.postgres !== 'service_healthy')
    problems.push('init does not wait for a healthy postgres');
  if (services.init.restart !== undefined && services.init.restart !== 'no') problems.push('init is restarted');
  for (const name of ['web', 'relay', 'worker']) {
    if (services[name].dependsOn.init !== 'service_completed_successfully')
      problems.push(`${name} does not wait for init to complete`);
    if (services[name].dependsOn.postgres !== 'service_healthy') problems.push(`${name} does not wait for postgres`);
  }
  if (!postgres.healthcheck?.join(' ').includes('pg_isready')) problems.push('postgres has no pg_isready healthcheck');
  if (!postgres.networks.every((n) => project.internalNetworks.has(n)))
    problems.push('postgres is on a network with a way out');

  // Host ports: loopback only; web and relay where their settings say.
  for (const [name, service] of Object.entries(services))
    for (const port of service.ports) {
      if (port.published === undefined || port.published === '')
        problems.push(`${name} publishes ${port.target} on a random host port`);
      if (port.hostIp !== '127.0.0.1')
        problems.push(`${name} publishes ${port.target} on ${port.hostIp ?? 'every interface'}`);
    }
  const env = web.environment;
  if (!web.ports.some((p) => p.target === Number(env.HTTP_PORT))) problems.push('web does not publish HTTP_PORT');
  if (!services.relay.ports.some((p) => p.target === Number(env.SMTP_PORT)))
    problems.push('relay does not publish SMTP_PORT');
  for (const name of ['init', 'worker', 'postgres'])
    if (services[name].ports.length > 0) problems.push(`${name} publishes a port it has no use for`);
  if (!services.mailcatcher.ports.some((p) => p.target === 8025))
    problems.push('the mail catcher UI (8025) is not published');
  const webCheck = web.healthcheck?.join(' ') ?? '';
  if (!webCheck.includes(`:${env.HTTP_PORT}/healthz`)) problems.push('web has no GET /healthz healthcheck');
  if (!(services.relay.healthcheck?.join(' ') ?? '').includes(env.SMTP_PORT))
    problems.push('relay has no healthcheck on SMTP_PORT');

  for (const [name, service] of Object.entries(services))
    if (service.privileged) problems.push(`${name} is privileged`);
  return problems;
}

interface Instruction {
  keyword: string;
  args: string;
}

function dockerfileInstructions(text: string): Instruction[] {
  return text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** `.dockerignore` patterns as Docker matches them (relative to the context; `*` within a segment). */
function ignoredBy(patterns: string[], path: string): boolean {
  const segments = path.replace(/^\.?\//, '').split('/');
  return patterns.some((pattern) => {
    const source = pattern
      .replace(/^\.?\//, '')
      .replace(/\/$/, '')
      .split('/')
      .map((part) =>
        part === '**'
          ? '.*'
          : part
              .replace(/[.+^${}()|[\]\\]/g, '\\$&')
              .replace(/\*/g, '[^/]*')
              .replace(/\?/g, '[^/]'),
      )
      .join('/')
      .replace(/\.\*\//g, '(?:.*/)?');
    const regex = new RegExp(`^${source}$`);
    return segments.some((_, i) => regex.test(segments.slice(0, i + 1).join('/')));
  });
}

function dockerignorePatterns(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'));
}

const secretLike = /(^|\/)(\.env(\..*)?|data|.*\.key|.*\.pem|.*\.asc|.*\.gpg|.*\.pgp|secrets?)$/i;

function dockerfileProblems(dockerfile: string, dockerignore: string, buildInclude: string[]): string[] {
  const problems: string[] = [];
  const instructions = dockerfileInstructions(dockerfile);
  const patterns = dockerignorePatterns(dockerignore);
  const stages: string[] = [];
  let lastStageStart = 0;
  instructions.forEach((instruction, i) => {
    if (instruction.keyword !== 'FROM') return;
    stages.push(/\s+AS\s+(\S+)/i.exec(instruction.args)?.[1] ?? String(stages.length));
    lastStageStart = i;
  });
  if (stages.length < 2) problems.push('not a multi-stage build');
  const finalStage = instructions.slice(lastStageStart);
  const fromEarlier = finalStage.filter((i) => i.keyword === 'COPY' && /--from=(\S+)/.exec(i.args)?.[1] !== undefined);
  if (stages.length >= 2 && !fromEarlier.some((i) => stages.slice(0, -1).includes(/--from=(\S+)/.exec(i.args)![1])))
    problems.push('the final stage takes nothing from the build stage');

  const users = finalStage.filter((i) => i.keyword === 'USER');
  if (users.length === 0) problems.push('the final stage has no USER: it would run as root');
  else if (isRoot(users.at(-1)!.args)) problems.push(`the final stage runs as ${users.at(-1)!.args}`);

  const copied = new Set<string>();
  for (const instruction of instructions) {
    if (instruction.keyword === 'ADD')
      problems.push(`ADD ${instruction.args}: use COPY (ADD fetches URLs and unpacks archives)`);
    if (instruction.keyword !== 'COPY' && instruction.keyword !== 'ADD') continue;
    const words = instruction.args.trim().startsWith('[')
      ? (JSON.parse(instruction.args) as string[])
      : instruction.args.split(/\s+/);
    if (words.some((w) => w.startsWith('--from='))) continue;
    const sources = words.filter((w) => !w.startsWith('--')).slice(0, -1);
    for (const source of sources) {
      const clean = source.replace(/^\.\//, '').replace(/\/$/, '');
      copied.add(clean.split('/')[0]);
      if (clean === '.' || clean === '' || clean === '*')
        problems.push(`COPY ${source}: copies the whole context (data, .env, keys)`);
      else if (secretLike.test(clean)) problems.push(`COPY ${source}: data or a secret in the image`);
      else if (!existsSync(join(root, clean))) problems.push(`COPY ${source}: no such file in the repository`);
      else if (ignoredBy(patterns, clean)) problems.push(`COPY ${source}: excluded by .dockerignore`);
    }
  }
  for (const instruction of instructions)
    if (
      ['ENV', 'ARG'].includes(instruction.keyword) &&
      /(SECRET|PASSWORD|PASSPHRASE|TOKEN)[A-Z_]*\s*=\s*\S/i.test(instruction.args)
    )
      problems.push(`${instruction.keyword} ${instruction.args.split('=')[0]}: a secret baked into the image`);
  // What `npm run build` compiles must be in the build context the Dockerfile copies.
  for (const dir of new Set(buildInclude.map((glob) => glob.split('/')[0])))
    if (!copied.has(dir))
      problems.push(`${dir}/ is compiled by tsconfig.build.json but not copied into the build stage`);

  const cmd = finalStage.filter((i) => i.keyword === 'CMD').at(-1);
  if (!cmd || !cmd.args.startsWith('[') || !(JSON.parse(cmd.args) as string[]).join(' ').startsWith(cli.join(' ')))
    problems.push(`the image's CMD is not the exec form of ${cli.join(' ')}`);

  for (const needed of ['node_modules', 'data', 'dist', '.env', '.git', 'test/artifacts'])
    if (!ignoredBy(patterns, needed)) problems.push(`.dockerignore does not keep out ${needed}`);
  return problems;
}

// ---------------------------------------------------------------------------------------------

const composeText = read('docker-compose.yml');
const dockerfile = read('Dockerfile');
const dockerignore = read('.dockerignore');
const buildInclude = (JSON.parse(read('tsconfig.build.json')) as { include: string[] }).include;

/** The unset-variable view of the compose file, for the variables it interpolates. */
const interpolated = [...new Set([...composeText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]))];

const docker = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8', timeout: 20_000 });
const hasDockerCompose = docker.status === 0;
const withDocker = hasDockerCompose ? it : it.skip;
if (!hasDockerCompose)
  console.warn(
    `deployment.e2e: \`docker compose\` is not installed (${(docker.error?.message ?? docker.stderr ?? '').trim().split('\n')[0]}); ` +
      'the check through `docker compose config` is skipped, the YAML checks still run.',
  );

describe('deployment: Dockerfile and .dockerignore', () => {
  it('builds in stages, runs as an unprivileged user, copies no data or secret, and ignores node_modules, data and dist', () => {
    expect(dockerfileProblems(dockerfile, dockerignore, buildInclude)).toEqual([]);
  });

  it('the image starts the CLI that `npm run build` writes', () => {
    const tsconfig = JSON.parse(read('tsconfig.json')) as { compilerOptions: { outDir: string; rootDir: string } };
    expect(tsconfig.compilerOptions).toMatchObject({ outDir: 'dist', rootDir: '.' });
    expect(existsSync(join(root, 'apps/cordon/src/main.ts'))).toBe(true);
  });

  it('refuses a single-stage image that runs as root', () => {
    const single =
      'FROM node:20\nWORKDIR /app\nCOPY package.json ./\nCMD ["node", "dist/apps/cordon/src/main.js", "serve"]\n';
    const problems = dockerfileProblems(single, dockerignore, []);
    expect(problems).toContain('not a multi-stage build');
    expect(problems).toContain('the final stage has no USER: it would run as root');
    const rootUser = dockerfile.replace(/USER node:node/, 'USER root');
    expect(dockerfileProblems(rootUser, dockerignore, buildInclude)).toContain('the final stage runs as root');
  });

  it('refuses an image that copies the whole context, the data directory, a .env file or a secret', () => {
    const leaky = (line: string) =>
      dockerfileProblems(dockerfile.replace('COPY bin ./bin', `COPY bin ./bin\n${line}`), dockerignore, buildInclude);
    expect(leaky('COPY . .')).toContain('COPY .: copies the whole context (data, .env, keys)');
    expect(leaky('COPY data /data')).toContain('COPY data: data or a secret in the image');
    expect(leaky('COPY .env ./')).toContain('COPY .env: data or a secret in the image');
    expect(leaky('COPY ./secret.key /data/')).toContain('COPY ./secret.key: data or a secret in the image');
    expect(leaky('ENV METRICS_TOKEN=abcdefghijklmnopqrstuvwxyz')).toContain(
      'ENV METRICS_TOKEN: a secret baked into the image',
    );
  });

  it('refuses a .dockerignore that lets node_modules, data or dist into the context', () => {
    const thin = dockerignore.replace(/^(node_modules|\*\*\/node_modules|data|dist)$/gm, '');
    const problems = dockerfileProblems(dockerfile, thin, buildInclude);
    expect(problems).toEqual(
      expect.arrayContaining([
        '.dockerignore does not keep out node_modules',
        '.dockerignore does not keep out data',
        '.dockerignore does not keep out dist',
      ]),
    );
    // And one that keeps out what the build needs.
    expect(dockerfileProblems(dockerfile, `${dockerignore}\nbin\n`, buildInclude)).toContain(
      'COPY bin: excluded by .dockerignore',
    );
  });
});

describe('deployment: docker-compose.yml', () => {
  it('runs init, web, relay and worker from one image on PostgreSQL, mail to the catcher, ports on 127.0.0.1 only', () => {
    const project = projectFromYaml(composeText);
    expect(composeProblems(project)).toEqual([]);
    expect(Object.keys(project.services).sort()).toEqual([...allServices].sort());
  });

  it('catches each broken variant', () => {
    const broken = (edit: (project: Project) => void) => {
      const project = projectFromYaml(composeText);
      edit(project);
      return composeProblems(project);
    };
    expect(broken((p) => delete p.services.mailcatcher)).toContain('no service mailcatcher');
    expect(broken((p) => (p.services.web.ports[0].hostIp = undefined))).toContain(
      'web publishes 3000 on every interface',
    );
    expect(broken((p) => (p.services.relay.ports[0].hostIp = '0.0.0.0'))).toContain('relay publishes 2525 on 0.0.0.0');
    expect(
      broken((p) => p.services.postgres.ports.push({ hostIp: '127.0.0.1', published: '5432', target: 5432 })),
    ).toContain('postgres publishes a port it has no use for');
    expect(broken((p) => (p.services.worker.command = [...cli, 'serve']))).toContain(
      `worker runs ${JSON.stringify([...cli, 'serve'])}, not ${JSON.stringify(commands.worker)}`,
    );
    expect(broken((p) => (p.services.relay.image = 'cordon:other'))).toContain(
      'relay does not use the image cordon:local',
    );
    expect(
      broken((p) => {
        for (const name of cordonServices)
          p.services[name].environment = {
            ...p.services[name].environment,
            DATABASE_URL: 'postgres://cordon:cordon@localhost:5432/cordon',
          };
      }),
    ).toContain("web: DATABASE_URL does not name the postgres service's user, password and database");
    expect(
      broken((p) => {
        for (const name of cordonServices) delete p.services[name].environment.OUTBOUND_SMTP_URL;
      }),
    ).toContain(`worker: OUTBOUND_SMTP_URL is not smtp://mailcatcher:${mailCatcherSmtpPort}`);
    expect(
      broken((p) => {
        for (const name of cordonServices)
          p.services[name].environment = { ...p.services[name].environment, SMTP_PORT: 'many' };
      }),
    ).toContain('relay: Invalid setting SMTP_PORT: must be a port number 0-65535 (got "many")');
    expect(broken((p) => (p.services.worker.volumes = [{ source: 'other', target: '/data' }]))).toContain(
      'worker: the server secret is not the one init creates',
    );
    expect(broken((p) => (p.services.relay.volumes = []))).toContain(
      'relay: the server secret /data/secret.key is not in a named volume',
    );
    expect(broken((p) => (p.services.web.dependsOn = { postgres: 'service_healthy' }))).toContain(
      'web does not wait for init to complete',
    );
    expect(broken((p) => (p.services.web.user = '0:0'))).toContain('web runs as 0:0');
    expect(broken((p) => (p.services.web.healthcheck = undefined))).toContain('web has no GET /healthz healthcheck');
    expect(broken((p) => p.internalNetworks.clear())).toContain('postgres is on a network with a way out');
  });

  withDocker('is what `docker compose config` makes of it (no daemon needed)', () => {
    // Nothing from the shell or a .env file fills in the variables: the defaults are checked.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !interpolated.includes(name)));
    const run = spawnSync(
      'docker',
      ['compose', '--env-file', '/dev/null', '-f', 'docker-compose.yml', 'config', '--format', 'json'],
      { cwd: root, env, encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    const project = toProject(JSON.parse(run.stdout) as Raw);
    expect(composeProblems(project)).toEqual([]);
    expect(Object.keys(project.services).sort()).toEqual([...allServices].sort());
  });
});
