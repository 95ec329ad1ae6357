/**
 * For tests that run `cordon serve` (a role, or all of it) as child processes beside each other, as
 * on hosts of their own: starting one with its output kept, waiting for it to be up, and stopping
 * it, whatever happened.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

export interface ServeProcess {
  name: string;
  process: ChildProcess;
  /** stdout and stderr, as they came. */
  output: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 50 ms; fails naming `what` after `ms`. */
export async function until(what: string, condition: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** `cordon serve ARGS` (the built dist/), with `env` over the test's own environment. */
export function serve(name: string, args: string[], env: Record<string, string>): ServeProcess {
  const child: ServeProcess = {
    name,
    output: '',
    process: spawn(process.execPath, [join(root, 'dist', 'apps', 'cordon', 'src', 'main.js'), 'serve', ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  };
  const keep = (data: Buffer) => (child.output += data.toString());
  child.process.stdout!.on('data', keep);
  child.process.stderr!.on('data', keep);
  return child;
}

export const exited = (child: ServeProcess) => child.process.exitCode !== null || child.process.signalCode !== null;

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function answers(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Waits until `isUp`, failing with the process's output if it exits first. */
export async function ready(child: ServeProcess, isUp: () => Promise<boolean> | boolean): Promise<void> {
  await until(
    `${child.name} to start`,
    async () => {
      if (exited(child)) throw new Error(`${child.name} exited (${child.process.exitCode}):\n${child.output}`);
      return isUp();
    },
    90_000,
  );
}

/** SIGTERM, then SIGKILL if it lingers 10 s; resolves once it is gone. */
export async function stop(child: ServeProcess): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise((resolve) => child.process.once('exit', resolve));
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}
