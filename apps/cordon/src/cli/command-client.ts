import { connect, Socket } from 'node:net';
import { dataDirHolder } from '@cordon/persistence';
import { CommandFrame, commandSocketPath, frameLine, readLines } from './command-socket';

/** How long a command waits for a process holding DATA_DIR (a service starting, another command). */
const WAIT_FOR_HOLDER_MS = 30_000;

/**
 * Runs the command in the `cordon serve` that holds DATA_DIR's embedded database, if one does
 * (see command-socket.ts), and resolves to its exit code; undefined when no service runs there,
 * and the command is to run in this process. A process holding DATA_DIR without answering on the
 * socket is waited for a while: a service still starting, or another command about to finish.
 */
export async function runBesideService(dataDir: string, argv: string[]): Promise<number | undefined> {
  const path = commandSocketPath(dataDir);
  if (!path) return undefined;
  const deadline = Date.now() + WAIT_FOR_HOLDER_MS;
  for (;;) {
    const socket = await connected(path);
    if (socket) return send(socket, argv);
    // Nobody answers: a socket left by a service that was killed, or none yet.
    if (dataDirHolder(dataDir) === undefined || Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function connected(path: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', () => resolve(undefined)); // ENOENT, ECONNREFUSED: no service
  });
}

/** Sends the command, writes what comes back where the service wrote it, and resolves to its exit code. */
function send(socket: Socket, argv: string[]): Promise<number> {
  return new Promise((resolve) => {
    let exit: number | undefined;
    readLines(socket, (line) => {
      const frame = parseFrame(line);
      if (!frame) socket.destroy();
      else if ('exit' in frame) exit = frame.exit;
      else process[frame.to].write(Buffer.from(frame.data, 'base64'));
    });
    socket.on('error', () => undefined); // 'close' follows, and says what happened
    socket.on('close', () => {
      if (exit === undefined) {
        console.error('The running service ended the command before it finished (is it stopping?): run it again.');
      }
      resolve(exit ?? 1);
    });
    socket.write(frameLine({ argv, cwd: process.cwd() }));
  });
}

function parseFrame(line: string): CommandFrame | undefined {
  try {
    const frame = JSON.parse(line) as CommandFrame;
    if ('exit' in frame ? Number.isInteger(frame.exit) : ['stdout', 'stderr'].includes(frame.to)) return frame;
  } catch {
    // not a frame: said below, as an unfinished command
  }
  return undefined;
}
