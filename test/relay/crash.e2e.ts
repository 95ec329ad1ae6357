/**
 * Invariant 4 with a real crash: the service (`cordon serve`, as `npm start` runs it) is killed
 * with SIGKILL at points of a post's life, restarted on the same data, and every accepted post
 * reaches every eligible member exactly once.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { readKey } from 'openpgp';
import { Client } from 'pg';
import { openDatabase } from '@cordon/persistence';
import { COPIES_IN_FLIGHT } from '@cordon/relay';
import { thunderbirdPost } from '../support/client-mail';
import { freshDatabaseLocation } from '../support/database';
import { withDomain } from '../support/domain-context';
import { aMaintainer, aMember } from '../support/factories';
import { anOpenpgpKey } from '../support/keys';
import { freePort } from '../support/ports';
import { SmtpSink } from '../support/smtp-sink';

const root = join(__dirname, '..', '..');
const LIST = 'distributors@example.org';
// More members than the worker has copies in flight, so that the bound on duplicates says something.
const MEMBERS = Array.from({ length: 3 * COPIES_IN_FLIGHT }, (_, i) => `sec@member-${i}.example`);

describe('crash and restart', () => {
  jest.setTimeout(180_000);
  let location: Awaited<ReturnType<typeof freshDatabaseLocation>>;
  let sink: SmtpSink;
  let env: Record<string, string>;
  let server: ChildProcess | undefined;
  let smtpPort: number;
  let listArmored: string;

  /** Runs SQL on the test database: through PostgreSQL, or by opening the embedded one (only while no server runs). */
  async function sql(text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    if (location.databaseUrl) {
      const client = new Client({ connectionString: location.databaseUrl });
      await client.connect();
      try {
        return (await client.query(text, params)).rows as Record<string, unknown>[];
      } finally {
        await client.end();
      }
    }
    const db = await openDatabase({ dataDir: location.dataDir, entities: [] });
    try {
      return (await db.dataSource.query(text, params)) as Record<string, unknown>[];
    } finally {
      await db.close();
    }
  }

  async function startServer(extra: Record<string, string> = {}): Promise<void> {
    const child = spawn(process.execPath, [join(root, 'bin', 'cordon'), 'serve'], {
      cwd: root,
      env: { ...process.env, ...env, ...extra },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    server = child;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // Ready when the SMTP port answers.
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null) throw new Error(`cordon serve exited: ${stderr}`);
      const up = await new Promise<boolean>((resolve) => {
        const socket = connect(smtpPort, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      });
      if (up) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`cordon serve did not start: ${stderr}`);
  }

  async function kill9(): Promise<void> {
    const child = server!;
    server = undefined;
    if (child.exitCode !== null) return;
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }

  async function stopGracefully(): Promise<void> {
    const child = server!;
    server = undefined;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }

  beforeAll(async () => {
    location = await freshDatabaseLocation();
    sink = new SmtpSink();
    const sinkPort = await sink.start();
    smtpPort = await freePort();
    env = {
      DATA_DIR: location.dataDir,
      ...(location.databaseUrl ? { DATABASE_URL: location.databaseUrl } : {}),
      LIST_ADDRESS: LIST,
      LOG_LEVEL: 'silent',
      HTTP_PORT: String(await freePort()),
      SMTP_PORT: String(smtpPort),
      OUTBOUND_SMTP_URL: `smtp://127.0.0.1:${sinkPort}`,
      DELIVERY_POLL_MS: '200',
      UNTAGGED_POSTS: 'relay',
    };
    // A first start creates the schema, the list key and the policy; then the people are added.
    await startServer();
    await stopGracefully();
    const maintainer = await anOpenpgpKey('lead@project.example');
    await withDomain(env, async (app) => {
      await aMaintainer(app, { email: 'lead@project.example', key: maintainer.publicKey, name: 'Lead' });
      for (const email of MEMBERS) await aMember(app, { email, key: (await anOpenpgpKey(email)).publicKey });
    });
    listArmored = String((await sql('SELECT public_key FROM list_key'))[0].public_key);
  });

  afterAll(async () => {
    if (server) await kill9();
    await sink?.stop();
    await location?.remove();
  });

  async function post(subject: string): Promise<Buffer> {
    return thunderbirdPost({
      from: { name: 'Lead', address: 'lead@project.example' },
      to: LIST,
      subject,
      text: `body of ${subject}`,
      signer: (await anOpenpgpKey('lead@project.example')).privateKey,
      listKey: await readKey({ armoredKey: listArmored }),
    });
  }

  async function send(raw: Buffer): Promise<void> {
    const transport = createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from: 'lead@project.example', to: [LIST] }, raw });
    } finally {
      transport.close();
    }
  }

  /** Copies of list posts the sink got, per member (the maintainer's own summary mail aside). */
  const copiesPerMember = () =>
    MEMBERS.map((m) => sink.to(m).filter((mail) => mail.envelope.from.startsWith('distributors-bounces+')).length);

  async function until(condition: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await condition())) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);

  it('delivers a post accepted just before a kill -9, once to every member, after the restart', async () => {
    const before = copiesPerMember();
    await startServer();
    await send(await post('accepted then killed'));
    await kill9();
    const atKill = copiesPerMember().map((n, i) => n - before[i]);
    await startServer();
    await until(() => copiesPerMember().every((n, i) => n >= before[i] + 1));
    await new Promise((r) => setTimeout(r, 1500)); // anything extra would have come by now
    const extra = copiesPerMember().map((n, i) => n - before[i] - 1);
    // The kill comes milliseconds after the 250, before any copy can have gone: then none may come
    // twice. Should a copy have been that fast, only those in flight may repeat.
    if (total(atKill) === 0) expect(extra).toEqual(MEMBERS.map(() => 0));
    else expect(total(extra)).toBeLessThanOrEqual(COPIES_IN_FLIGHT);
    await stopGracefully();
  });

  it('after a kill -9 in the middle of delivery, every member still gets the post, and only in-flight copies can repeat', async () => {
    const before = copiesPerMember();
    await startServer();
    await send(await post('killed while delivering'));
    // Kill as soon as the first copies reach the sink, with the rest still queued.
    await until(() => copiesPerMember().some((n, i) => n > before[i]), 30_000);
    await kill9();
    await startServer();
    await until(() => copiesPerMember().every((n, i) => n >= before[i] + 1));
    await new Promise((r) => setTimeout(r, 1500));
    const extra = copiesPerMember().map((n, i) => n - before[i] - 1);
    // At most the copies that were in flight at the kill come twice (README: "duplicates").
    expect(extra.every((n) => n === 0 || n === 1)).toBe(true);
    expect(total(extra)).toBeLessThanOrEqual(COPIES_IN_FLIGHT);
    const [{ posts }] = await (async () => {
      await stopGracefully();
      return sql(`SELECT count(*)::int AS posts FROM post`);
    })();
    expect(posts).toBe(2);
  });

  it('relays a post as soon as it is stored, not at the next poll', async () => {
    const before = copiesPerMember();
    // Nothing polls again for ten minutes after the first look at start-up: only the ingress
    // waking the pipeline, and the pipeline waking the worker, can move this post.
    await startServer({ DELIVERY_POLL_MS: '600000' });
    await new Promise((r) => setTimeout(r, 500)); // past the start-up look
    await send(await post('relayed at once'));
    await until(() => copiesPerMember().every((n, i) => n === before[i] + 1), 20_000);
    await stopGracefully();
  });
});
