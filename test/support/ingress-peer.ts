/**
 * The list's ingress as a sending MTA sees it (test/ingress.e2e.ts, test/smtp-ingress.e2e.ts): the
 * relay app on a fresh database, listening on 127.0.0.1 port 0 with its log captured, a
 * nodemailer sender, a raw-socket dialogue where a client would hide the protocol, and what the
 * ingress stored.
 */
import { connect, Socket } from 'node:net';
import { INestApplicationContext, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import nodemailer from 'nodemailer';
import { parseSettings } from '@cordon/config';
import { initialise, openRuntime, Runtime } from '@cordon/runtime';
import { RelayModule } from '../../apps/cordon/src/relay/relay.module';
import { startIngress } from '../../apps/cordon/src/relay/smtp/start-ingress';
import { freshDatabaseLocation } from './database';

export const LIST = 'distributors@example.org';
export const OWNER = 'distributors-owner@example.org';
export const MAX_SIZE = 64 * 1024;

/** Everything Nest logs, kept to be read by the tests. */
export class CapturedLog implements LoggerService {
  readonly lines: string[] = [];
  log = (message: unknown) => void this.lines.push(String(message));
  error = (message: unknown) => void this.lines.push(String(message));
  warn = (message: unknown) => void this.lines.push(String(message));
}

export interface RunningRelay {
  app: INestApplicationContext;
  runtime: Runtime;
  port: number;
  log: CapturedLog;
  /** Stops the app (and its listener), then removes the database. */
  close(): Promise<void>;
}

/** The relay app as `cordon serve --role relay` runs it, with SMTP_PORT=0. */
export async function startRelay(env: Record<string, string> = {}): Promise<RunningRelay> {
  const location = await freshDatabaseLocation();
  const settings = parseSettings(
    {
      DATA_DIR: location.dataDir,
      DATABASE_URL: location.databaseUrl,
      LIST_ADDRESS: LIST,
      SMTP_PORT: '0',
      SMTP_MAX_SIZE: String(MAX_SIZE),
      UNTAGGED_POSTS: 'relay', // the ingress tests post untagged (README, "Terms in every copy")
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

export const sender = (port: number, options: Record<string, unknown> = {}) =>
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
export function aPost(body = 'The embargoed text.'): Buffer {
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

export interface InboundRow {
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

export const inbound = async (relay: RunningRelay): Promise<InboundRow[]> =>
  (await relay.runtime.database.dataSource.query(
    'SELECT * FROM inbound_message ORDER BY recipient_kind',
  )) as InboundRow[];

/** The ids a 250 names ("Stored as <id>, <id>"). */
export const storedIds = (response: string): string[] =>
  [...response.matchAll(/[0-9a-f]{8}-[0-9a-f-]{27}/g)].map((match) => match[0]);

/** A client that speaks the protocol line by line, to see every reply a library would hide. */
export class Dialogue {
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
export const dataOf = (raw: Buffer) =>
  Buffer.concat([Buffer.from(raw.toString('latin1').replace(/^\./gm, '..'), 'latin1'), Buffer.from('.\r\n')]);
