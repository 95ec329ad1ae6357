/**
 * A loopback SMTP server that keeps what it receives: the peer that tests deliver to. It binds
 * 127.0.0.1 port 0 (docs/architecture.md, "Toolchain notes") and can refuse a recipient with a chosen reply, to
 * exercise retries (4yz) and permanent failures (5yz).
 */
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  raw: Buffer;
}

interface Refusal {
  code: number;
  /** How many more times to refuse; Infinity: always. */
  remaining: number;
}

export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  private readonly refusals = new Map<string, Refusal>();
  /** While holding: the messages not yet answered, each kept when it is answered. */
  private holding: { mail: ReceivedMail; keep: () => void }[] | null = null;
  private readonly server = new SMTPServer({
    // No AUTH and no STARTTLS: a plain loopback peer, which also keeps smtp-server's bundled
    // test certificate out of use.
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    size: 10 * 1024 * 1024,
    maxClients: 20,
    socketTimeout: 10_000,
    closeTimeout: 1_000,
    onRcptTo: (address, _session, callback) => callback(this.refusalFor(address.address)),
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const mail: ReceivedMail = {
          envelope: {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          },
          raw: Buffer.concat(chunks),
        };
        const keep = () => (this.received.push(mail), callback());
        if (this.holding) this.holding.push({ mail, keep });
        else keep();
      });
    },
  });

  /** Starts listening; returns the port. */
  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.on('error', reject);
      const listener = this.server.listen(0, '127.0.0.1', () => resolve((listener.address() as AddressInfo).port));
    });
  }

  /**
   * Accepts up to `clients` connections at once (20 by default): several worker processes, each
   * with its own connection pool, need more, or the surplus gets 421 and is retried minutes later.
   */
  acceptClients(clients: number): this {
    this.server.options.maxClients = clients;
    return this;
  }

  /**
   * Holds the reply to every message from now on (the sender waits after DATA) until release():
   * for a test that needs copies in flight when it kills their sender. A held message is not yet
   * received. Connections opened from now on stay up a minute without a reply.
   */
  hold(): void {
    this.holding ??= [];
    this.server.options.socketTimeout = 60_000;
  }

  /** The messages whose reply is held. */
  held(): ReceivedMail[] {
    return (this.holding ?? []).map(({ mail }) => mail);
  }

  /** Answers every held message (each is then received) and holds no more. */
  release(): void {
    const held = this.holding ?? [];
    this.holding = null;
    for (const { keep } of held) keep();
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Refuses RCPT TO of `address` with `code` (451: try later, 550: never), `times` times. */
  refuse(address: string, code: 451 | 450 | 550 | 553, times = Infinity): void {
    this.refusals.set(address.toLowerCase(), { code, remaining: times });
  }

  /** Messages received for one recipient. */
  to(address: string): ReceivedMail[] {
    return this.received.filter((m) => m.envelope.to.some((to) => to.toLowerCase() === address.toLowerCase()));
  }

  private refusalFor(address: string): Error | null {
    const refusal = this.refusals.get(address.toLowerCase());
    if (!refusal || refusal.remaining <= 0) return null;
    refusal.remaining -= 1;
    const error = new Error(refusal.code >= 500 ? 'Mailbox unavailable' : 'Mailbox busy, try again later');
    (error as Error & { responseCode: number }).responseCode = refusal.code;
    return error;
  }
}
