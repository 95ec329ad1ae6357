/**
 * SMTP ingress: how many 10 KB posts a second the list's listener takes, each committed to the
 * database before its 250 (issue 4, "Ingress"; docs/architecture.md, invariant 4).
 *
 * The relay app runs in a child process of its own, so that its peak RSS is its own and the
 * sender's work is not on its event loop: as `cordon serve --role relay` runs it, on a fresh
 * database, but with the post pipeline and the workers not started, so that only the ingress is
 * measured (the rows stay `received`). The bench process is the sending MTA: nodemailer, a pool of
 * a few connections, every post to the list address.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createTransport } from 'nodemailer';
import { DataSource } from 'typeorm';
import { parseSettings } from '@cordon/config';
import { ServerSecret } from '@cordon/crypto';
import { Database } from '@cordon/persistence';
import { initialise, Runtime } from '@cordon/runtime';
import { RelayModule } from '../apps/cordon/src/relay/relay.module';
import { startIngress } from '../apps/cordon/src/relay/smtp/start-ingress';
import { LIST_ADDRESS, LIST_NAME } from './keys';
import { benchDatabase, peakRssMiB, postContent } from './scenarios';

/** Where the relay's database comes from, as for the end-to-end runs. */
export interface IngressScenario {
  template?: string;
  databaseUrl?: string;
}

/** What the child tells the bench once listening. */
export interface IngressReady {
  port: number;
  /** RSS with the app started and the database open, before any post. */
  startRssMiB: number;
}

/** What the child found in its database after the run, and its peak RSS over its whole life. */
export interface IngressStored {
  /** inbound_message rows, all of them, and those still `received` (no pipeline ran). */
  rows: number;
  received: number;
  bytes: number;
  /** `mail.received` audit entries: one per row, in the row's transaction. */
  audited: number;
  peakRssMiB: number;
}

const MiB = 1024 * 1024;
const SENDER = 'alice@project.example';

// If the bench goes away, the run ends (and the listener and the database with it), not left waiting.
const gone = () => new Error('the bench went away');

/** The bench's next word. */
const nextMessage = () =>
  new Promise<unknown>((resolve, reject) => {
    if (!process.connected) return reject(gone());
    process.once('message', resolve);
    process.once('disconnect', () => reject(gone()));
  });

/** Tells the bench; with a callback, a closed channel is an error here rather than an 'error' event that would end the process uncleaned. */
const tell = (message: IngressReady) =>
  new Promise<void>((resolve, reject) =>
    process.send!(message, (error: Error | null) => (error ? reject(gone()) : resolve())),
  );

/**
 * The child: starts the relay's ingress on a fresh database, answers { port, startRssMiB }, and on
 * 'count' answers what was stored (IngressStored), having stopped the listener and removed the database.
 */
export async function runIngress(s: IngressScenario): Promise<IngressStored> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cordon-bench-ingress-'));
  try {
    return await serveOnce(await benchDatabase(s, dataDir), dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function serveOnce(database: Database, dataDir: string): Promise<IngressStored> {
  let app: INestApplicationContext | undefined;
  try {
    const settings = parseSettings(
      { LIST_ADDRESS, LIST_NAME, DATA_DIR: dataDir, LOG_LEVEL: 'warn', SMTP_HOST: '127.0.0.1', SMTP_PORT: '0' },
      process.cwd(),
    );
    // What openRuntime opens, with the bench's database in place of the one DATABASE_URL names.
    const runtime: Runtime = { settings, database, secret: ServerSecret.loadOrCreate(settings.secretKeyFile) };
    await initialise(runtime);
    // Warnings and errors only: the ingress's info line per message (N a run) would bury the table.
    app = await NestFactory.createApplicationContext(RelayModule.forRuntime(runtime), { logger: ['warn', 'error'] });
    const port = await startIngress(app);
    await tell({ port, startRssMiB: process.memoryUsage().rss / MiB });
    if ((await nextMessage()) !== 'count') throw new Error('the bench asked the ingress for something else');
    const stored = await storedMessages(database.dataSource);
    return { ...stored, peakRssMiB: peakRssMiB() };
  } finally {
    // Closing the app stops the listener, then closes the database (dropping it on PostgreSQL).
    await app?.close();
    if (database.dataSource.isInitialized) await database.close();
  }
}

async function storedMessages(ds: DataSource): Promise<Omit<IngressStored, 'peakRssMiB'>> {
  const [row] = (await ds.query(
    `SELECT count(*)::int AS rows, (count(*) FILTER (WHERE status = 'received'))::int AS received,
            coalesce(sum(size), 0)::int AS bytes,
            (SELECT count(*)::int FROM audit_entry WHERE action = 'mail.received') AS audited
       FROM inbound_message`,
  )) as Omit<IngressStored, 'peakRssMiB'>[];
  return row;
}

/** Post `i` as a mail client writes it (CRLF lines, its own Message-ID), `size` bytes in all; never opened, as no pipeline runs. */
export function ingressPost(i: number, size: number): Buffer {
  const head = Buffer.from(
    [
      `From: Alice Maintainer <${SENDER}>`,
      `To: ${LIST_ADDRESS}`,
      `Subject: [embargoed] bench post ${i}`,
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: <bench.${i}.${process.pid}@project.example>`,
      'MIME-Version: 1.0',
      '',
    ].join('\r\n'),
  );
  // Ends with CRLF, so that the client adds nothing before the final dot and what is stored is these bytes.
  return Buffer.concat([head, postContent(size - head.length - 2), Buffer.from('\r\n')]);
}

/**
 * Sends every post to the list over `connections` pooled connections, as an MTA hands over its
 * queue (connections kept open for the whole run); resolves to the wall time from the first send
 * to the last 250. Any other answer rejects.
 */
export async function sendPosts(port: number, posts: Buffer[], connections: number): Promise<number> {
  const transporter = createTransport(
    {
      host: '127.0.0.1',
      port,
      secure: false,
      ignoreTLS: true,
      pool: true,
      maxConnections: connections,
      maxMessages: Infinity,
      disableFileAccess: true,
      disableUrlAccess: true,
    },
    { disableFileAccess: true, disableUrlAccess: true },
  );
  try {
    const started = performance.now();
    const replies = await Promise.all(
      posts.map((raw) => transporter.sendMail({ envelope: { from: SENDER, to: [LIST_ADDRESS] }, raw })),
    );
    const ms = performance.now() - started;
    const other = replies.find((info) => !String(info.response).startsWith('250'));
    if (other) throw new Error(`the ingress answered ${String(other.response)}`);
    return ms;
  } finally {
    transporter.close();
  }
}
