import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { testSettings } from '../../../test/support/settings';
import { transportFor } from './delivery.module';
import { MailTransport } from './mail-transport';

const MESSAGES = 20;

/**
 * A relay that counts the connections it is given and holds every message (no reply to its final
 * dot) until told to let them go: with more messages queued than the pool's size, the pool has
 * every connection it may open busy at once, and none more.
 */
class CountingRelay {
  opened = 0;
  open = 0;
  peakOpen = 0;
  accepted = 0;
  private held: (() => void)[] = [];
  private releasing = false;
  private readonly server = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    onConnect: (_session, callback) => {
      this.opened += 1;
      this.open += 1;
      this.peakOpen = Math.max(this.peakOpen, this.open);
      callback();
    },
    onClose: () => {
      this.open -= 1;
    },
    onData: (stream, _session, callback) => {
      stream.resume();
      stream.on('end', () => {
        const accept = () => {
          this.accepted += 1;
          callback();
        };
        if (this.releasing) accept();
        else this.held.push(accept);
      });
    },
  });

  get holding(): number {
    return this.held.length;
  }

  start(): Promise<number> {
    return new Promise((resolve) => {
      const listener = this.server.listen(0, '127.0.0.1', () => resolve((listener.address() as AddressInfo).port));
    });
  }

  release(): void {
    this.releasing = true;
    for (const accept of this.held.splice(0)) accept();
  }

  stop(): Promise<void> {
    this.release();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('OUTBOUND_SMTP_CONNECTIONS', () => {
  let relay: CountingRelay;
  let transport: MailTransport | undefined;
  afterEach(async () => {
    await transport?.close();
    transport = undefined;
    await relay.stop();
  });

  const sendAll = (port: number, connections?: string) => {
    transport = transportFor(
      testSettings({
        DATA_DIR: '/nonexistent',
        OUTBOUND_SMTP_URL: `smtp://127.0.0.1:${port}`,
        OUTBOUND_SMTP_CONNECTIONS: connections,
      }),
    );
    const raw = Buffer.from('Subject: pool\r\n\r\nbody\r\n');
    return Array.from({ length: MESSAGES }, (_, i) =>
      transport!.deliver({
        id: `copy-${i}`,
        sender: 'bounces@example.org',
        recipient: `member${i}@example.net`,
        raw,
        createdAt: new Date(),
      }),
    );
  };

  it.each([
    ['3', 3],
    ['8', 8],
    [undefined, 5], // nodemailer's default
  ])('set to %s, the relay is given %i connections at once, and no more', async (setting, connections) => {
    relay = new CountingRelay();
    const sends = sendAll(await relay.start(), setting);
    // Every connection the pool may open is busy with a message the relay holds.
    await until(() => relay.holding === connections, `${connections} held messages`);
    relay.release();
    await Promise.all(sends);
    expect(relay.accepted).toBe(MESSAGES);
    // One message per connection at a time: more connections would have meant more held at once.
    expect(relay.peakOpen).toBe(connections);
    expect(relay.opened).toBe(connections);
  });

  it('is refused outside 1 to 16', () => {
    for (const value of ['0', '17', 'five']) {
      expect(() => testSettings({ DATA_DIR: '/nonexistent', OUTBOUND_SMTP_CONNECTIONS: value })).toThrow(
        /OUTBOUND_SMTP_CONNECTIONS/,
      );
    }
  });
});
