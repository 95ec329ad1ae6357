import { AsyncLocalStorage } from 'node:async_hooks';
import { chmodSync, rmSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { INestApplicationContext, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, CommanderError } from 'commander';
import { DomainError } from '@cordon/errors';
import { Runtime } from '@cordon/runtime';
import { CliModule } from './cli.module';
import {
  CommandFrame,
  CommandRequest,
  commandSocketPath,
  frameLine,
  MAX_REQUEST_BYTES,
  readLines,
} from './command-socket';
import { hostCommands } from './context';
import { failureText } from './failure';

/** How long a stopping service lets a command that is running finish before the database closes. */
const FINISH_MS = 10_000;

/** The command a CLI sent, while it runs here: where its output goes. */
class Invocation {
  private open = true;
  constructor(private readonly socket: Socket) {}

  write(to: 'stdout' | 'stderr', data: Buffer): void {
    if (this.open) send(this.socket, { to, data: data.toString('base64') });
  }

  /** Whether output is still the CLI's: once the command is over, anything it left running writes to the log. */
  get running(): boolean {
    return this.open;
  }

  end(exit: number): void {
    this.open = false;
    send(this.socket, { exit });
    this.socket.end();
  }
}

const invocations = new AsyncLocalStorage<Invocation>();

export interface CommandServer {
  close(): Promise<void>;
}

/**
 * Serves the CLI beside a `cordon serve` on the embedded database (command-socket.ts): each command
 * a CLI sends runs here, in the commander program the CLI itself would run, against this process's
 * runtime, with its output sent back. Commands run one at a time: the embedded database has one
 * connection anyway, and `process.exitCode`, which commands set, is the process's. Only the names
 * of the commands are logged, never their arguments (addresses, file names).
 */
export async function serveCommands(
  runtime: Runtime,
  program: () => Command,
  log: Logger,
): Promise<CommandServer | undefined> {
  const path = commandSocketPath(runtime.settings.dataDir);
  if (!path) {
    log.warn(
      `DATA_DIR ${runtime.settings.dataDir} is too long a path for a socket: the CLI cannot run beside this service`,
    );
    return undefined;
  }
  // This process holds DATA_DIR's lock: a socket there is a killed service's.
  rmSync(path, { force: true });
  routeOutputOfInvocations();
  // Commands share the database; closing it is the service's.
  const shared: Runtime = { ...runtime, database: { ...runtime.database, close: async () => undefined } };
  let context: Promise<INestApplicationContext> | undefined;
  // No logger option: Nest would make it every context's, the service's too.
  const appContext = () =>
    (context ??= NestFactory.createApplicationContext(CliModule.forRuntime(shared)).catch((error: unknown) => {
      context = undefined; // the next command tries again
      throw error;
    }));
  hostCommands({ runtime: shared, context: appContext });
  const debug = ['debug', 'trace'].includes(runtime.settings.LOG_LEVEL);
  const host: Host = { program, context: appContext, log, debug };

  let queue = Promise.resolve();
  const server = createServer((socket) => {
    socket.on('error', () => undefined); // a CLI that went away (Ctrl-C) stops nothing here
    let taken = false;
    readLines(
      socket,
      (line) => {
        if (taken) return;
        taken = true;
        const request = parseRequest(line);
        if (!request) return void socket.destroy();
        // Never a rejected queue: the commands after it would wait for ever.
        queue = queue
          .then(() => run(request, new Invocation(socket), host))
          .catch((error: unknown) => log.error(`cli: ${(error as Error)?.message}`));
      },
      MAX_REQUEST_BYTES,
    );
  });
  await listen(server, path);
  return {
    close: async () => {
      hostCommands(undefined);
      server.close();
      await Promise.race([queue, new Promise((r) => setTimeout(r, FINISH_MS).unref())]);
      rmSync(path, { force: true });
      if (context) await (await context).close();
    },
  };
}

/** Only the same user may connect: the socket is made under umask 077, and made 0600 to be sure. */
async function listen(server: Server, path: string): Promise<void> {
  const umask = process.umask(0o077);
  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolveListen();
      });
    });
  } finally {
    process.umask(umask);
  }
  chmodSync(path, 0o600);
}

function parseRequest(line: string): CommandRequest | undefined {
  try {
    const { argv, cwd } = JSON.parse(line) as Partial<CommandRequest>;
    const strings = Array.isArray(argv) && argv.every((arg) => typeof arg === 'string');
    return strings && typeof cwd === 'string' && isAbsolute(cwd) ? { argv, cwd } : undefined;
  } catch {
    return undefined;
  }
}

interface Host {
  program: () => Command;
  context: () => Promise<INestApplicationContext>;
  log: Logger;
  debug: boolean;
}

async function run(request: CommandRequest, invocation: Invocation, host: Host): Promise<void> {
  const started = Date.now();
  let name = 'cordon';
  const previousExitCode = process.exitCode;
  process.exitCode = undefined;
  let exit: number;
  try {
    await host.context(); // made outside the command's context, so that nothing of it writes to this CLI
    const command = host.program();
    hostedBy(command, process.pid, request.cwd, (named) => (name = named));
    await invocations.run(invocation, () => command.parseAsync(request.argv, { from: 'user' }));
    exit = Number(process.exitCode ?? 0);
  } catch (error) {
    exit = error instanceof CommanderError ? error.exitCode : 1;
    const text = failureText(error, host.debug);
    if (text) invocation.write('stderr', Buffer.from(`${text}\n`));
  } finally {
    process.exitCode = previousExitCode;
  }
  invocation.end(exit);
  host.log.log(`cli: ${name} exited ${exit} after ${Date.now() - started} ms`);
}

/**
 * Makes a program fit to run inside the service: commander's exits become errors (it would end
 * the service), files named on the command line are found from the CLI's working directory, and
 * what needs the database to itself is refused.
 */
function hostedBy(program: Command, pid: number, cwd: string, named: (name: string) => void): void {
  const everyCommand = (command: Command): Command[] => [command, ...command.commands.flatMap(everyCommand)];
  for (const command of everyCommand(program)) command.exitOverride();
  program.hook('preAction', (_program, command) => {
    named(pathOf(command));
    if (command.name() === 'restore') {
      throw new DomainError(
        'WRONG_STATE',
        `restore needs the embedded database to itself: stop the running service (process ${pid}) first, then run it again.`,
      );
    }
    if (command.name() === 'serve') throw new DomainError('WRONG_STATE', `The service runs already (process ${pid}).`);
    resolveFiles(command, cwd);
  });
}

function pathOf(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at?.parent; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

// Options and arguments that name a file say so: `--key <file>`, `--members <file.csv>`, `<file>`.
const NAMES_A_FILE = /<file[^>]*>/;

function resolveFiles(command: Command, cwd: string): void {
  const from = (value: unknown) => (typeof value === 'string' && value !== '-' ? resolve(cwd, value) : value);
  for (const option of command.options) {
    if (!NAMES_A_FILE.test(option.flags)) continue;
    const value: unknown = command.getOptionValue(option.attributeName());
    command.setOptionValue(option.attributeName(), Array.isArray(value) ? value.map(from) : from(value));
  }
  command.registeredArguments.forEach((argument, i) => {
    if (/^file/.test(argument.name())) command.processedArgs[i] = from(command.processedArgs[i]);
  });
}

/**
 * While a command a CLI sent runs, what it writes to stdout and stderr (console.log, commander's
 * help and errors) goes to that CLI; everything else, the service's log among it, as before.
 */
let routed = false;
function routeOutputOfInvocations(): void {
  if (routed) return;
  routed = true;
  for (const to of ['stdout', 'stderr'] as const) {
    const stream = process[to];
    const write = stream.write;
    stream.write = function (this: NodeJS.WriteStream, chunk: string | Uint8Array, ...rest: unknown[]): boolean {
      const invocation = invocations.getStore();
      if (!invocation?.running) return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
      const encoding = typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'utf8';
      invocation.write(to, typeof chunk === 'string' ? Buffer.from(chunk, encoding) : Buffer.from(chunk));
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      if (callback) process.nextTick(callback);
      return true;
    } as typeof stream.write;
  }
}

function send(socket: Socket, frame: CommandFrame): void {
  if (socket.writable) socket.write(frameLine(frame));
}
