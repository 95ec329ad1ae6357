/**
 * The list's SMTP/LMTP ingress, as a sending MTA sees it: the relay app on a fresh database,
 * listening on 127.0.0.1 port 0, spoken to by nodemailer and, where a client would hide the
 * protocol, by a raw socket. Runs on the embedded database, or on PostgreSQL with DATABASE_URL.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import nodemailer from 'nodemailer';
import { parseSettings, SettingsError } from '@cordon/config';
import { InboundStore, ReceivedMail } from '@cordon/relay';
import { initialise, openRuntime, Runtime } from '@cordon/runtime';
import { RelayModule } from '../apps/cordon/src/relay/relay.module';
import { IngressServer } from '../apps/cordon/src/relay/smtp/ingress-server';
import { startIngress } from '../apps/cordon/src/relay/smtp/start-ingress';
import { freshDatabaseLocation } from './support/database';

const LIST = 'distributors@example.org';
const OWNER = 'distributors-owner@example.org';
const MAX_SIZE = 64 * 1024;

/** Everything Nest logs, kept to be read by the tests. */
class CapturedLog implements LoggerService {
  readonly lines: string[] = [];
  log = (message: unknown) => void this.lines.push(String(message));
  error = (message: unknown) => void this.lines.push(String(message));
  warn = (message: unknown) => void this.lines.push(String(message));
}

interface RunningRelay {
  app: INestApplicationContext;
  runtime: Runtime;
  port: number;
  log: CapturedLog;
  /** Stops the app (and its listener), then removes the database. */
  close(): Promise<void>;
}

/** The relay app as `cordon serve --role relay` runs it, with SMTP_PORT=0. */
async function startRelay(env: Record<string, string> = {}): Promise<RunningRelay> {
  const location = await freshDatabaseLocation();
  const settings = parseSettings(
    {
      DATA_DIR: location.dataDir,
      DATABASE_URL: location.databaseUrl,
      LIST_ADDRESS: LIST,
      SMTP_PORT: '0',
      SMTP_MAX_SIZE: String(MAX_SIZE),
      ...env,
    },
    process.cwd(),
  );
  const runtime = await openRuntime(settings);
  await initialise(runtime);
  const log = new CapturedLog();
  const app = await NestFactory.createApplicationContext(RelayModule.forRuntime(runtime), { logger: log });
  const close = async () => {
    await app.close();
    if (runtime.database.dataSource.isInitialized) await runtime.database.close();
    await location.remove();
  };
  try {
    const port = await startIngress(app);
    return { app, runtime, port, log, close };
  } catch (error) {
    await close();
    throw error;
  }
}

const sender = (port: number, options: Record<string, unknown> = {}) =>
  nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    disableFileAccess: true,
    disableUrlAccess: true,
    ...options,
  });

/** A post as a mail client writes it: CRLF lines, a line that needs dot-stuffing, 8-bit bytes. */
function aPost(body = 'The embargoed text.'): Buffer {
  return Buffer.concat([
    Buffer.from(
      [
        'From: Maintainer <maintainer@project.example>',
        `To: ${LIST}`,
        'Subject: [embargoed] CVE-2099-0001',
        'Message-ID: <post.1@project.example>',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        body,
        '.a line that starts with a dot',
        '',
      ].join('\r\n'),
    ),
    Buffer.from('8-bit: \xe9t\xe9 \xff\r\n', 'latin1'),
  ]);
}

interface InboundRow {
  id: string;
  mail_from: string;
  rcpt_to: string[];
  recipient_kind: string;
  verp_token: string | null;
  remote_address: string;
  raw: Uint8Array;
  size: number;
  status: string;
}

const inbound = async (relay: RunningRelay): Promise<InboundRow[]> =>
  (await relay.runtime.database.dataSource.query(
    'SELECT * FROM inbound_message ORDER BY recipient_kind',
  )) as InboundRow[];

/** The ids a 250 names ("Stored as <id>, <id>"). */
const storedIds = (response: string): string[] =>
  [...response.matchAll(/[0-9a-f]{8}-[0-9a-f-]{27}/g)].map((match) => match[0]);

/** A client that speaks the protocol line by line, to see every reply a library would hide. */
class Dialogue {
  private buffer = '';
  private readonly replies: string[][] = [];
  private waiting?: () => void;
  private current: string[] = [];

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => {
      this.buffer += data;
      for (let end = this.buffer.indexOf('\r\n'); end >= 0; end = this.buffer.indexOf('\r\n')) {
        const line = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        this.current.push(line);
        if (/^\d{3} /.test(line) || /^\d{3}$/.test(line)) {
          this.replies.push(this.current);
          this.current = [];
        }
      }
      this.waiting?.();
    });
  }

  static async open(port: number): Promise<Dialogue> {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const dialogue = new Dialogue(socket);
    await dialogue.reply(); // the greeting
    return dialogue;
  }

  /** The next complete reply, its lines joined by newlines. */
  async reply(): Promise<string> {
    for (let waited = 0; !this.replies.length; waited++) {
      if (waited > 200 || this.socket.destroyed) throw new Error(`no reply (buffer: ${this.buffer})`);
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.replies.shift()!.join('\n');
  }

  async command(line: string): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  destroy(): void {
    this.socket.destroy();
  }

  async quit(): Promise<void> {
    await this.command('QUIT').catch(() => undefined);
    this.socket.destroy();
  }
}

/** The SMTP dot-stuffed form of a message, ending DATA. */
const dataOf = (raw: Buffer) =>
  Buffer.concat([Buffer.from(raw.toString('latin1').replace(/^\./gm, '..'), 'latin1'), Buffer.from('.\r\n')]);

describe('SMTP ingress', () => {
  let relay: RunningRelay;

  beforeAll(async () => {
    relay = await startRelay();
  }, 60_000);
  afterAll(() => relay?.close());

  it('has the message in the database, byte for byte, by the time the client sees 250', async () => {
    const raw = aPost();
    const info = await sender(relay.port).sendMail({
      envelope: { from: 'maintainer@project.example', to: [LIST] },
      raw,
    });
    expect(info.response).toMatch(/^250 2\.6\.0 Stored as /);
    const [id] = storedIds(info.response);
    const [row] = (await relay.runtime.database.dataSource.query('SELECT * FROM inbound_message WHERE id = $1', [
      id,
    ])) as InboundRow[];
    expect(row).toMatchObject({
      mail_from: 'maintainer@project.example',
      rcpt_to: [LIST],
      recipient_kind: 'list',
      verp_token: null,
      remote_address: '127.0.0.1',
      size: raw.length,
      status: 'received',
    });
    expect(Buffer.from(row.raw).equals(raw)).toBe(true);
    const [audit] = (await relay.runtime.database.dataSource.query(
      `SELECT details FROM audit_entry WHERE action = 'mail.received' AND subject = $1`,
      [`inbound_message:${id}`],
    )) as { details: Record<string, unknown> }[];
    expect(audit.details).toMatchObject({ kind: 'list', size: raw.length, messageId: '<post.1@project.example>' });
  });

  it('never writes message content to its log, and logs one line per message with its id', async () => {
    const info = await sender(relay.port).sendMail({
      envelope: { from: 'maintainer@project.example', to: [LIST] },
      raw: aPost('CANARY-7f3c in the body'),
    });
    const [id] = storedIds(info.response);
    expect(relay.log.lines.filter((line) => line.includes(id))).toEqual([
      expect.stringMatching(/^accepted inbound message \S+ \(list, \d+ bytes\) from 127\.0\.0\.1/),
    ]);
    expect(relay.log.lines.join('\n')).not.toMatch(/CANARY|CVE-2099|embargoed/);
  });

  it('refuses an unknown recipient at RCPT with 550 5.1.1, and stores nothing', async () => {
    const before = (await inbound(relay)).length;
    for (const to of ['someone@example.org', 'distributors-request@example.org', 'distributors@example.net']) {
      const refused = sender(relay.port).sendMail({ envelope: { from: 'x@example.net', to: [to] }, raw: aPost() });
      await expect(refused).rejects.toMatchObject({
        responseCode: 550,
        command: 'RCPT TO',
        response: expect.stringMatching(/^550 5\.1\.1 No such user here/),
      });
    }
    expect(await inbound(relay)).toHaveLength(before);
  });

  it('announces SIZE, and offers neither AUTH nor STARTTLS without a certificate', async () => {
    const smtp = await Dialogue.open(relay.port);
    const ehlo = await smtp.command('EHLO client.example');
    expect(ehlo).toMatch(new RegExp(`^250[- ]SIZE ${MAX_SIZE}$`, 'm'));
    expect(ehlo).not.toMatch(/AUTH|STARTTLS/);
    expect(await smtp.command('AUTH PLAIN AGFsaWNlAHNlY3JldA==')).toMatch(/^5\d\d /);
    expect(await smtp.command('STARTTLS')).toMatch(/^5\d\d /);
    // A client that declares a size over the limit is refused before it sends a byte (RFC 1870 §6.1).
    expect(await smtp.command(`MAIL FROM:<m@project.example> SIZE=${MAX_SIZE + 1}`)).toMatch(/^552 5\.3\.4 /);
    await smtp.quit();
  });

  it('refuses a message over SMTP_MAX_SIZE with 552 5.3.4 during DATA, and stores nothing', async () => {
    const before = (await inbound(relay)).length;
    const huge = aPost('x'.repeat(MAX_SIZE));
    // nodemailer declares no SIZE unless told: the limit is enforced on the bytes themselves.
    const refused = sender(relay.port).sendMail({ envelope: { from: 'm@project.example', to: [LIST] }, raw: huge });
    await expect(refused).rejects.toMatchObject({
      responseCode: 552,
      response: expect.stringMatching(/^552 5\.3\.4 /),
    });
    expect(await inbound(relay)).toHaveLength(before);
    expect(relay.log.lines.join('\n')).toMatch(/refused a message from 127\.0\.0\.1 .*over SMTP_MAX_SIZE/);
  });

  it('refuses a message that lies about its size and sends too much anyway', async () => {
    const before = (await inbound(relay)).length;
    const smtp = await Dialogue.open(relay.port);
    await smtp.command('EHLO liar.example');
    expect(await smtp.command('MAIL FROM:<m@project.example> SIZE=100')).toMatch(/^250 /);
    expect(await smtp.command(`RCPT TO:<${LIST}>`)).toMatch(/^250 /);
    expect(await smtp.command('DATA')).toMatch(/^354 /);
    smtp.write(dataOf(aPost('y'.repeat(2 * MAX_SIZE))));
    expect(await smtp.reply()).toMatch(/^552 5\.3\.4 /);
    // The session goes on: the next message is taken as usual.
    expect(await smtp.command('MAIL FROM:<m@project.example>')).toMatch(/^250 /);
    await smtp.quit();
    expect(await inbound(relay)).toHaveLength(before);
  });

  it('stores one row per kind of list address in one transaction', async () => {
    const raw = aPost();
    const info = await sender(relay.port).sendMail({
      envelope: { from: 'maintainer@project.example', to: [LIST, OWNER, 'Distributors@Example.org'] },
      raw,
    });
    const ids = storedIds(info.response);
    expect(ids).toHaveLength(2);
    const rows = (await inbound(relay)).filter((r) => ids.includes(r.id));
    // A repeated recipient counts once (smtp-server keeps the last spelling).
    expect(rows.map((r) => [r.recipient_kind, r.rcpt_to.map((a) => a.toLowerCase())])).toEqual([
      ['list', [LIST]],
      ['owner', [OWNER]],
    ]);
    expect(rows.every((r) => Buffer.from(r.raw).equals(raw))).toBe(true);
  });

  it('classifies a VERP bounce to the bounces address, with its token', async () => {
    const info = await sender(relay.port).sendMail({
      envelope: { from: '', to: ['distributors-bounces+Zm9v=bar.example@example.org'] },
      raw: Buffer.from('From: MAILER-DAEMON@mx.bar.example\r\nSubject: Undelivered Mail\r\n\r\nbounce\r\n'),
    });
    const [id] = storedIds(info.response);
    const row = (await inbound(relay)).find((r) => r.id === id);
    expect(row).toMatchObject({ mail_from: '', recipient_kind: 'bounces', verp_token: 'Zm9v=bar.example' });
  });

  it('takes at most 10 recipients in one transaction', async () => {
    const smtp = await Dialogue.open(relay.port);
    await smtp.command('EHLO many.example');
    await smtp.command('MAIL FROM:<>');
    for (let i = 0; i < 10; i++) {
      expect(await smtp.command(`RCPT TO:<distributors-bounces+t${i}@example.org>`)).toMatch(/^250 /);
    }
    expect(await smtp.command('RCPT TO:<distributors-bounces+t10@example.org>')).toMatch(/^452 4\.5\.3 /);
    await smtp.quit();
  });

  it('stores nothing of a message whose client goes away in the middle of DATA', async () => {
    const before = (await inbound(relay)).length;
    const smtp = await Dialogue.open(relay.port);
    await smtp.command('EHLO gone.example');
    await smtp.command('MAIL FROM:<m@project.example>');
    await smtp.command(`RCPT TO:<${LIST}>`);
    await smtp.command('DATA');
    smtp.write(aPost()); // no final dot
    await new Promise((resolve) => setTimeout(resolve, 100));
    smtp.destroy();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await inbound(relay)).toHaveLength(before);
  });

  it('names the list in its greeting', async () => {
    const socket = connect(relay.port, '127.0.0.1');
    const greeting = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
    socket.destroy();
    expect(greeting).toMatch(new RegExp(`^220 \\S+ ESMTP Cordon, Embargoed distributors <${LIST}>`));
  });
});

describe('LMTP ingress', () => {
  let relay: RunningRelay;

  beforeAll(async () => {
    relay = await startRelay({ SMTP_LMTP: 'true' });
  }, 60_000);
  afterAll(() => relay?.close());

  it('answers LHLO (not EHLO) and gives one reply per recipient after DATA', async () => {
    const lmtp = await Dialogue.open(relay.port);
    expect(await lmtp.command('EHLO mx.project.example')).toMatch(/^500 /);
    expect(await lmtp.command('LHLO mx.project.example')).toMatch(/^250[- ]/);
    await lmtp.command('MAIL FROM:<maintainer@project.example>');
    expect(await lmtp.command(`RCPT TO:<${LIST}>`)).toMatch(/^250 /);
    expect(await lmtp.command('RCPT TO:<stranger@example.org>')).toMatch(/^550 5\.1\.1 /);
    expect(await lmtp.command(`RCPT TO:<${OWNER}>`)).toMatch(/^250 /);
    expect(await lmtp.command('DATA')).toMatch(/^354 /);
    lmtp.write(dataOf(aPost()));
    const replies = [await lmtp.reply(), await lmtp.reply()];
    expect(replies).toEqual([
      expect.stringMatching(/^250 2\.6\.0 Stored as /),
      expect.stringMatching(/^250 2\.6\.0 Stored as /),
    ]);
    await lmtp.quit();
    const ids = replies.flatMap(storedIds);
    expect((await inbound(relay)).filter((r) => ids.includes(r.id)).map((r) => r.recipient_kind)).toEqual([
      'list',
      'owner',
    ]);
  });

  it('answers 451 only for the recipients whose row could not be stored', async () => {
    const store = relay.app.get(InboundStore);
    const accept = store.accept.bind(store) as (...args: unknown[]) => Promise<string>;
    // The owner's row fails to store; the list's is stored as usual.
    const failOwner = (...args: unknown[]) =>
      (args[args.length - 1] as ReceivedMail).kind === 'owner'
        ? Promise.reject(new Error('disk full'))
        : accept(...args);
    const spy = jest.spyOn(store, 'accept').mockImplementation(failOwner as never);
    try {
      const info = await sender(relay.port, { lmtp: true }).sendMail({
        envelope: { from: 'maintainer@project.example', to: [LIST, OWNER] },
        raw: aPost(),
      });
      expect(info.accepted).toEqual([LIST]);
      expect(info.rejected).toEqual([OWNER]);
      expect(info.rejectedErrors?.[0]).toMatchObject({ responseCode: 451 });
    } finally {
      spy.mockRestore();
    }
  });
});

describe('STARTTLS', () => {
  let dir: string;
  let cert: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cordon-tls-'));
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
        ...['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'],
        ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      ],
      { stdio: 'pipe' },
    );
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is offered with the configured certificate, and carries the message', async () => {
    const relay = await startRelay({
      SMTP_TLS_CERT_FILE: join(dir, 'cert.pem'),
      SMTP_TLS_KEY_FILE: join(dir, 'key.pem'),
    });
    try {
      const smtp = await Dialogue.open(relay.port);
      const ehlo = await smtp.command('EHLO client.example');
      expect(ehlo).toMatch(/^250-STARTTLS$/m);
      expect(ehlo).not.toMatch(/AUTH/);
      await smtp.quit();
      // Verifying against our certificate alone: smtp-server's bundled one would fail here.
      const info = await sender(relay.port, {
        ignoreTLS: false,
        requireTLS: true,
        tls: { ca: [cert], servername: 'localhost', minVersion: 'TLSv1.2' },
      }).sendMail({ envelope: { from: 'maintainer@project.example', to: [LIST] }, raw: aPost() });
      expect(info.response).toMatch(/^250 /);
      expect(await inbound(relay)).toHaveLength(1);
    } finally {
      await relay.close();
    }
  });

  // The other bad certificates and keys: apps/cordon/src/relay/smtp/ingress-options.spec.ts.
  it('stops start-up with one line, and frees everything, when the key cannot be read', async () => {
    const outcome = await startRelay({
      SMTP_TLS_CERT_FILE: join(dir, 'cert.pem'),
      SMTP_TLS_KEY_FILE: join(dir, 'missing.pem'),
    }).then(
      (relay) => relay.close().then(() => new Error('started without its key')),
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(SettingsError);
    expect((outcome as Error).message).toMatch(/^Invalid setting SMTP_TLS_KEY_FILE: cannot read .*missing\.pem/);
  });
});

describe('the ingress and its database', () => {
  it('answers 451 4.3.0, never 250, when the database is gone', async () => {
    const relay = await startRelay();
    try {
      await relay.runtime.database.close();
      const refused = sender(relay.port).sendMail({
        envelope: { from: 'maintainer@project.example', to: [LIST] },
        raw: aPost(),
      });
      await expect(refused).rejects.toMatchObject({
        responseCode: 451,
        response: expect.stringMatching(/^451 4\.3\.0 /),
      });
      expect(relay.log.lines.join('\n')).toMatch(/could not store a message from 127\.0\.0\.1 .*answered 451/);
    } finally {
      await relay.close();
    }
  });

  it('stops listening, and frees the port, when the app closes', async () => {
    const relay = await startRelay();
    const { port } = relay;
    await relay.close();
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve('connected'));
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });

  it('does not start twice, and says which address it could not bind', async () => {
    const relay = await startRelay();
    try {
      await expect(relay.app.get(IngressServer).start()).rejects.toThrow(/already started/);
      const second = await startRelay({ SMTP_PORT: String(relay.port) }).catch((error: unknown) => error);
      expect(second).toBeInstanceOf(SettingsError);
      expect((second as Error).message).toMatch(
        /^Cannot listen on SMTP_HOST:SMTP_PORT \(127\.0\.0\.1:\d+\): .*EADDRINUSE/,
      );
    } finally {
      await relay.close();
    }
  });
});
