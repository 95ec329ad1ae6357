import { join, relative } from 'node:path';
import { Socket } from 'node:net';

/**
 * The Unix domain socket on which a `cordon serve` running on the embedded database takes the
 * commands of a CLI beside it (README "CLI"). PGlite is one process's; rather than share it, the
 * service runs the command itself, on its own runtime. The socket is mode 0600 in DATA_DIR: only
 * the user who runs the service (and root) may connect, who could read DATA_DIR anyway.
 *
 * One request line, JSON: `{ argv, cwd }`. Then the service sends lines `{ to, data }` (output,
 * base64) and one last line `{ exit }`, and closes.
 */
export interface CommandRequest {
  argv: string[];
  /** The CLI's working directory: a file named on the command line is found from there. */
  cwd: string;
}

export type CommandFrame = { to: 'stdout' | 'stderr'; data: string } | { exit: number };

/** A request line longer than this is no CLI's: the connection is closed. */
export const MAX_REQUEST_BYTES = 256 * 1024;

// sun_path holds 108 bytes on Linux, 104 on macOS and the BSDs, the final NUL included.
const MAX_SOCKET_PATH = 103;

/**
 * DATA_DIR/cordon.sock, or the same relative to the working directory when that is short enough
 * and the absolute path is not; undefined when neither fits (then the CLI cannot run beside).
 */
export function commandSocketPath(dataDir: string): string | undefined {
  const absolute = join(dataDir, 'cordon.sock');
  if (Buffer.byteLength(absolute) <= MAX_SOCKET_PATH) return absolute;
  const fromHere = relative(process.cwd(), absolute);
  return Buffer.byteLength(fromHere) <= MAX_SOCKET_PATH ? fromHere : undefined;
}

/** Calls `onLine` for each line the socket brings; a line longer than `max` bytes ends the connection. */
export function readLines(socket: Socket, onLine: (line: string) => void, max = Infinity): void {
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    let end: number;
    while ((end = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      onLine(line);
    }
    if (pending.length > max) socket.destroy();
  });
}

export function frameLine(frame: CommandFrame | CommandRequest): string {
  return `${JSON.stringify(frame)}\n`;
}
