/**
 * What test/deployment.e2e.ts checks the container deployment with: one model of a compose project
 * (from YAML with Compose's interpolation of unset variables, or from `docker compose config`), the
 * problems found in it, and the problems found in a Dockerfile and its .dockerignore.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load, YAML11_SCHEMA } from 'js-yaml';
import { parseSettings } from '@cordon/config';

export const root = realpathSync(join(__dirname, '..', '..'));
/** Compose prints the build context as an absolute path; a symlinked checkout still counts. */
export const real = (path: string) => (existsSync(path) ? realpathSync(path) : path);
export const read = (file: string) => readFileSync(join(root, file), 'utf8');

export const cordonServices = ['init', 'web', 'relay', 'worker'] as const;
export const allServices = [...cordonServices, 'postgres', 'mailcatcher'];
export const cli = ['node', 'dist/apps/cordon/src/main.js'];
export const commands: Record<(typeof cordonServices)[number], string[]> = {
  init: [...cli, 'init'],
  web: [...cli, 'serve', '--role', 'web'],
  relay: [...cli, 'serve', '--role', 'relay'],
  worker: [...cli, 'serve', '--role', 'worker'],
};
/** Mailpit's SMTP port inside its container. */
export const mailCatcherSmtpPort = 1025;

// ---------------------------------------------------------------------------------------------
// One model of a compose project, from either source.

export interface Port {
  hostIp: string | undefined;
  published: string | undefined;
  target: number;
}

export interface Service {
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

export interface Project {
  services: Record<string, Service>;
  internalNetworks: Set<string>;
}

export type Raw = Record<string, unknown>;
export const asRecord = (value: unknown): Raw => (value && typeof value === 'object' ? (value as Raw) : {});
export const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Compose's short forms and long forms alike: `docker compose config` prints only long forms. */
export function toService(raw: Raw): Service {
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

export function toProject(raw: Raw): Project {
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
export function interpolateUnset(text: string): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g,
    (_, _name: string, fallback?: string) => fallback ?? '',
  );
}

export function projectFromYaml(text: string): Project {
  // YAML 1.1, as Compose reads it: merge keys (`<<: *cordon`) are part of it.
  return toProject(asRecord(load(interpolateUnset(text), { schema: YAML11_SCHEMA })));
}

// ---------------------------------------------------------------------------------------------
// The checks: each returns what is wrong, so that a broken variant can be shown to fail.

export const isRoot = (user: string | undefined) => user !== undefined && /^(root|0)(:.*)?$/.test(user.trim());

export function composeProblems(project: Project): string[] {
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

export interface Instruction {
  keyword: string;
  args: string;
}

export function dockerfileInstructions(text: string): Instruction[] {
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
export function ignoredBy(patterns: string[], path: string): boolean {
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

export function dockerignorePatterns(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'));
}

export const secretLike = /(^|\/)(\.env(\..*)?|data|.*\.key|.*\.pem|.*\.asc|.*\.gpg|.*\.pgp|secrets?)$/i;

export function dockerfileProblems(dockerfile: string, dockerignore: string, buildInclude: string[]): string[] {
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
