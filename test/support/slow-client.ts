/**
 * A hostile SMTP client that takes its time (issue 10, "Slow SMTP clients hold every slot"): a raw
 * socket, bound to a loopback address of the test's choosing (Linux routes all of 127.0.0.0/8 to
 * `lo`), that can dribble bytes and remembers every reply line and when the server hung up.
 */
import { connect, Socket } from 'node:net';

export class SlowClient {
  /** Every reply line, in order. */
  readonly lines: string[] = [];
  /** Milliseconds from connecting to the server closing the connection; unset while it is open. */
  closedAfter?: number;
  private readonly openedAt = Date.now();
  private buffer = '';
  private dribbling?: NodeJS.Timeout;
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => {
      this.buffer += data;
      const lines = this.buffer.split('\r\n');
      this.buffer = lines.pop() ?? '';
      this.lines.push(...lines);
      this.wake();
    });
    // The server's FIN, or a reset: either way the connection is over for the client.
    const over = () => {
      this.closedAfter ??= Date.now() - this.openedAt;
      this.stopDribbling();
      this.wake();
    };
    socket.on('end', over).on('close', over).on('error', over);
  }

  /** Connects from `localAddress` and resolves once connected (before the greeting). */
  static async open(port: number, localAddress = '127.0.0.1'): Promise<SlowClient> {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new SlowClient(socket);
  }

  get closed(): boolean {
    return this.closedAfter !== undefined;
  }

  /** The first reply line matching `pattern`, waiting up to `ms` for it; throws with what came instead. */
  async line(pattern: RegExp, ms = 10_000): Promise<string> {
    const found = await this.until(() => this.lines.find((line) => pattern.test(line)), ms);
    if (found === undefined) throw new Error(`no reply matching ${pattern} within ${ms} ms: ${this.transcript()}`);
    return found;
  }

  /** Resolves to how long after connecting the server hung up, waiting up to `ms`; throws if it did not. */
  async hangUp(ms = 10_000): Promise<number> {
    const after = await this.until(() => this.closedAfter, ms);
    if (after === undefined) throw new Error(`still connected after ${ms} ms: ${this.transcript()}`);
    return after;
  }

  /** Sends a command line and waits for the reply line matching `pattern`. */
  async command(line: string, pattern: RegExp): Promise<string> {
    const seen = this.lines.length;
    this.socket.write(`${line}\r\n`);
    const found = await this.until(() => this.lines.slice(seen).find((reply) => pattern.test(reply)), 10_000);
    if (found === undefined) throw new Error(`no reply matching ${pattern} to ${line}: ${this.transcript()}`);
    return found;
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** Writes `text` `chunk` bytes every `everyMs`, starting over at its end, until the connection is over. */
  dribble(text: string, everyMs: number, chunk = 1): void {
    this.stopDribbling();
    let at = 0;
    this.dribbling = setInterval(() => {
      const piece = text.slice(at, at + chunk);
      at = (at + chunk) % text.length;
      this.write(piece);
    }, everyMs);
  }

  destroy(): void {
    this.stopDribbling();
    this.socket.destroy();
  }

  private stopDribbling(): void {
    clearInterval(this.dribbling);
    this.dribbling = undefined;
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
  }

  private async until<T>(found: () => T | undefined, ms: number): Promise<T | undefined> {
    const deadline = Date.now() + ms;
    for (let value = found(); ; value = found()) {
      if (value !== undefined || Date.now() >= deadline) return value;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, deadline - Date.now());
        this.waiters.add(done);
      });
    }
  }

  private transcript(): string {
    return JSON.stringify([...this.lines, this.buffer].filter(Boolean));
  }
}
