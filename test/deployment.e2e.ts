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
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  root,
  read,
  cordonServices,
  commands,
  mailCatcherSmtpPort,
  Project,
  Raw,
  toProject,
  projectFromYaml,
  composeProblems,
  dockerfileProblems,
  allServices,
  cli,
} from './support/deployment-checks';

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
