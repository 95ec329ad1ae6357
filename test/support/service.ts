/**
 * The service and its CLI as the operator runs them: `cordon serve` and `cordon <command>` as
 * child processes of the built command (test/support/global-setup.ts built this checkout), on a
 * data directory as fresh as a first `npm start` finds it.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freshDatabaseLocation } from './database';
import { waitForPort } from './ports';

export const root = join(__dirname, '..', '..');
export const cordonBin = join(root, 'bin', 'cordon');

export type Location = Awaited<ReturnType<typeof freshDatabaseLocation>>;

/** An empty DATA_DIR, and on PostgreSQL (DATABASE_URL set) an empty database: nothing migrated. */
export const emptyLocation = (): Promise<Location> => freshDatabaseLocation({ empty: true });

/** The environment of a service (and its CLI) on `location`, listening on the ports given. */
export function serviceEnv(
  location: Location,
  ports: { httpPort: number; smtpPort: number },
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATA_DIR: location.dataDir,
    ...(location.databaseUrl ? { DATABASE_URL: location.databaseUrl } : {}),
    LOG_LEVEL: 'warn',
    HTTP_PORT: String(ports.httpPort),
    SMTP_PORT: String(ports.smtpPort),
    UNTAGGED_POSTS: 'relay', // journeys post untagged (README, "Terms in every copy")
    ...extra,
  };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to its end (never throws on a non-zero exit). */
export function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Run> {
  const started = Date.now();
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started }));
  });
}

/** `cordon <args>` in `cwd`, as the operator types it. */
export function cordon(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Run> {
  return run(process.execPath, [cordonBin, ...args], options);
}

export interface Service {
  child: ChildProcess;
  stderr(): string;
  /** SIGTERM (a supervisor's stop) or SIGKILL (a crash); resolves once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `cordon serve`, started in the checkout as `npm start` does, ready once HTTP_PORT answers. */
export async function startService(env: NodeJS.ProcessEnv, httpPort: number): Promise<Service> {
  const child = spawn(process.execPath, [cordonBin, 'serve'], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const service: Service = {
    child,
    stderr: () => stderr,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
  };
  try {
    // A first start on an empty data directory migrates and makes the list key: it takes a while.
    await waitForPort(httpPort, child, () => stderr, 120_000);
  } catch (error) {
    await service.stop('SIGKILL');
    throw error;
  }
  return service;
}
