/**
 * Scale out on PostgreSQL (issue 6): two relays and three delivery workers, each a real `cordon
 * serve --role …` process, all started at once on one empty PostgreSQL database. Posts go in
 * concurrently through both relays, and every member gets every post exactly once: the SMTP peer
 * counts the copies, the VERP return path names each copy's queue row, and the database agrees.
 *
 * PostgreSQL only (the embedded database is one process's, test/cli.e2e.ts proves it refuses a
 * second): DATABASE_URL's server, else the local one at postgres://postgres@127.0.0.1:5432/test.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { readKey } from 'openpgp';
import { Client } from 'pg';
import { thunderbirdPost } from './support/client-mail';
import { realPostgresUrl, withDatabaseName } from './support/database';
import { withDomain } from './support/domain-context';
import { aMaintainer, aMember } from './support/factories';
import { GpgHome } from './support/gpg';
import { anOpenpgpKey, TestKey } from './support/keys';
import { freePort } from './support/ports';
import { answers, exited, ready, serve, ServeProcess, stop, until } from './support/serve-process';
import { ReceivedMail, SmtpSink } from './support/smtp-sink';

const LIST = 'distributors@example.org';
const MAINTAINER = 'lead@project.example';
const RELAYS = 2;
const WORKERS = 3;
const POSTS = 10;
const MEMBERS = Array.from({ length: 20 }, (_, i) => `sec@member-${i}.example`);
const SERVER_URL = realPostgresUrl() ?? 'postgres://postgres@127.0.0.1:5432/test';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The armored OpenPGP message of a copy (the second part of its PGP/MIME body). */
function armoredPart(raw: Buffer): string {
  const match = /-----BEGIN PGP MESSAGE-----\r\n[\s\S]+?-----END PGP MESSAGE-----\r\n/.exec(raw.toString('latin1'));
  if (!match) throw new Error('no armored OpenPGP message in the copy');
  return match[0];
}

const messageId = (mail: ReceivedMail) => /^Message-ID: *(<[^>\r\n]+>)/im.exec(mail.raw.toString('latin1'))?.[1];

describe('scale out: two relays and three workers on one PostgreSQL', () => {
  jest.setTimeout(240_000);
  let unreachable: string | undefined;
  let dbName: string;
  let databaseUrl: string;
  let dataRoot: string;
  let secretFile: string;
  let sink: SmtpSink;
  let sinkPort: number;
  const relayPorts: number[] = [];
  const children: ServeProcess[] = [];
  let maintainer: TestKey;
  const members: { email: string; key: TestKey; id: string }[] = [];

  async function admin(sql: string): Promise<void> {
    const client = new Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** Every process has a data directory of its own (as on separate hosts) and the one shared secret. */
  function start(name: string, args: string[], extra: Record<string, string>): ServeProcess {
    const child = serve(name, args, {
      DATA_DIR: join(dataRoot, name),
      DATABASE_URL: databaseUrl,
      SECRET_KEY_FILE: secretFile,
      LIST_ADDRESS: LIST,
      LOG_LEVEL: 'info',
      OUTBOUND_SMTP_URL: `smtp://127.0.0.1:${sinkPort}`,
      DELIVERY_POLL_MS: '200',
      UNTAGGED_POSTS: 'relay',
      ...extra,
    });
    children.push(child);
    return child;
  }

  beforeAll(async () => {
    try {
      await admin('SELECT 1');
    } catch (error) {
      unreachable = `PostgreSQL at ${SERVER_URL} is unreachable (${(error as Error).message})`;
      return;
    }
    dbName = `cordon_scale_${randomUUID().replace(/-/g, '')}`;
    await admin(`CREATE DATABASE ${dbName}`);
    databaseUrl = withDatabaseName(SERVER_URL, dbName);
    dataRoot = mkdtempSync(join(tmpdir(), 'cordon-scale-'));
    // The operator makes one server secret and gives every process a copy (README "Scale out").
    secretFile = join(dataRoot, 'secret.key');
    writeFileSync(secretFile, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    // Each worker process holds a pool of connections to the sink, as to a real relay.
    sink = new SmtpSink().acceptClients(100);
    sinkPort = await sink.start();
    maintainer = await anOpenpgpKey(MAINTAINER);
    for (const email of MEMBERS) members.push({ email, key: await anOpenpgpKey(email), id: '' }); // id: once it joins
  });

  afterAll(async () => {
    // Every child is stopped, whatever happened: SIGTERM, then SIGKILL if it lingers.
    await Promise.all(children.map((child) => stop(child)));
    await sink?.stop();
    if (dbName) await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
  });

  it('starts every role at once on an empty database: one schema, one list key, one policy', async () => {
    if (unreachable) return console.warn(`scale-out test skipped: ${unreachable}`);
    for (let i = 0; i < RELAYS; i++) relayPorts.push(await freePort());
    // All five at once, on a database with no tables yet: the start-up lock lets one initialise.
    const relays = relayPorts.map((port, i) =>
      start(`relay-${i}`, ['--role', 'relay'], { SMTP_PORT: String(port), HTTP_PORT: '0' }),
    );
    const workers = Array.from({ length: WORKERS }, (_, i) =>
      start(`worker-${i}`, ['--role', 'worker'], { SMTP_PORT: '0', HTTP_PORT: '0' }),
    );
    // A relay listens before it logs the list key's line: wait for the line too, or a busy
    // machine reads the output in between (CI saw one relay's line missing).
    const logged = (child: ServeProcess) => child.output.includes('list key ');
    await Promise.all([
      ...relays.map((relay, i) => ready(relay, async () => (await answers(relayPorts[i])) && logged(relay))),
      ...workers.map((worker) => ready(worker, () => worker.output.includes('worker: delivery') && logged(worker))),
    ]);
    const [counts] = await sql<{ keys: number; policies: number; created: number }>(
      `SELECT (SELECT count(*)::int FROM list_key) AS keys, (SELECT count(*)::int FROM policy_version) AS policies,
              (SELECT count(*)::int FROM audit_entry WHERE action = 'list_key.created') AS created`,
    );
    expect(counts).toEqual({ keys: 1, policies: 1, created: 1 });
    const fingerprints = new Set(children.map((c) => /list key ([0-9A-F]{40})/.exec(c.output)?.[1]));
    expect(fingerprints.size).toBe(1);
    expect([...fingerprints][0]).toMatch(/^[0-9A-F]{40}$/);
  });

  it('refuses to start a process whose server secret does not open the list key, in one line', async () => {
    if (unreachable) return;
    const otherSecret = join(dataRoot, 'other-secret.key');
    writeFileSync(otherSecret, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    const stranger = start('worker-with-another-secret', ['--role', 'worker'], {
      SECRET_KEY_FILE: otherSecret,
      LOG_LEVEL: 'silent',
    });
    const code = await new Promise((resolve) => stranger.process.once('exit', resolve));
    expect(code).toBe(1);
    expect(stranger.output).toBe(
      `The list key in DATABASE_URL does not open with the server secret in ${otherSecret}: ` +
        'every process sharing one database needs a copy of the same secret key file (set SECRET_KEY_FILE).\n',
    );
  });

  it('delivers every post posted concurrently through both relays to every member exactly once', async () => {
    if (unreachable) return;
    await withDomain(
      { DATA_DIR: join(dataRoot, 'setup'), DATABASE_URL: databaseUrl, SECRET_KEY_FILE: secretFile, LIST_ADDRESS: LIST },
      async (app) => {
        await aMaintainer(app, { email: MAINTAINER, key: maintainer.publicKey, name: 'Lead' });
        for (const member of members)
          member.id = (await aMember(app, { email: member.email, key: member.key.publicKey })).id;
      },
    );
    const [{ public_key: listArmored, fingerprint: listFingerprint }] = await sql<{
      public_key: string;
      fingerprint: string;
    }>('SELECT public_key, fingerprint FROM list_key');
    const listKey = await readKey({ armoredKey: listArmored });
    const posts = await Promise.all(
      Array.from({ length: POSTS }, (_, i) =>
        thunderbirdPost({
          from: { name: 'Lead', address: MAINTAINER },
          to: LIST,
          subject: `scale-out post ${i}`,
          text: `body of scale-out post ${i}`,
          signer: maintainer.privateKey,
          listKey,
        }),
      ),
    );

    // All at once, alternating between the two relays: each must answer 250.
    await Promise.all(
      posts.map(async (raw, i) => {
        const transport = createTransport({
          host: '127.0.0.1',
          port: relayPorts[i % RELAYS],
          secure: false,
          ignoreTLS: true,
        });
        try {
          const info = await transport.sendMail({ envelope: { from: MAINTAINER, to: [LIST] }, raw });
          expect(info.accepted).toEqual([LIST]);
        } finally {
          transport.close();
        }
      }),
    );

    const expected = POSTS * MEMBERS.length;
    const stateOf = async () =>
      (
        await sql<{ posts: number; sent: number; copies: number; inbound: number; mail: number }>(
          `SELECT (SELECT count(*)::int FROM post) AS posts,
                  (SELECT count(*)::int FROM post_delivery WHERE status = 'sent') AS sent,
                  (SELECT count(*)::int FROM post_delivery) AS copies,
                  (SELECT count(*)::int FROM inbound_message WHERE status <> 'processed') AS inbound,
                  (SELECT count(*)::int FROM outbound_message WHERE status <> 'sent') AS mail`,
        )
      )[0];
    await until(
      'every copy to be sent',
      async () => {
        const crashed = children.find((c) => exited(c) && c.name !== 'worker-with-another-secret');
        if (crashed) throw new Error(`${crashed.name} exited:\n${crashed.output}`);
        const state = await stateOf();
        return state.posts === POSTS && state.sent === expected && state.inbound === 0 && state.mail === 0;
      },
      150_000,
    );
    // Long enough for any duplicate to arrive: several poll intervals of every worker.
    await sleep(2_000);
    expect(await stateOf()).toEqual({ posts: POSTS, sent: expected, copies: expected, inbound: 0, mail: 0 });

    // The sink: exactly one copy per (post, member), told apart by the VERP return path.
    const copies = sink.received.filter((mail) => mail.envelope.from.startsWith('distributors-bounces+'));
    expect(copies).toHaveLength(expected);
    const deliveries = await sql<{
      id: string;
      post_id: string;
      member_id: string;
      recipient: string;
      attempts: number;
    }>(`SELECT id, post_id, member_id, recipient, attempts FROM post_delivery`);
    const byId = new Map(deliveries.map((row) => [row.id, row]));
    const seen = new Set<string>();
    for (const copy of copies) {
      const token = /^distributors-bounces\+([^@]+)@example\.org$/.exec(copy.envelope.from)?.[1];
      const row = byId.get(token ?? '');
      expect(row).toBeDefined();
      expect(copy.envelope.to).toEqual([row!.recipient]);
      expect(messageId(copy)).toBe(`<${row!.id}@example.org>`);
      const pair = `${row!.post_id}/${row!.member_id}`;
      expect(seen.has(pair)).toBe(false);
      seen.add(pair);
    }
    expect(seen.size).toBe(expected);
    // Every post reached every member, and no copy was claimed twice (one attempt each).
    const postIds = new Set(deliveries.map((row) => row.post_id));
    expect(postIds.size).toBe(POSTS);
    for (const postId of postIds) {
      for (const member of members) expect(seen.has(`${postId}/${member.id}`)).toBe(true);
    }
    const deferred = await sql(
      `SELECT action, details FROM audit_entry WHERE action IN ('post.copy_deferred', 'post.copy_failed') LIMIT 3`,
    );
    expect(deferred).toEqual([]);
    expect(deliveries.filter((row) => row.attempts !== 1)).toEqual([]);

    // The service's own mail (the maintainer's notices) also went exactly once each.
    const [{ mail }] = await sql<{ mail: number }>(
      `SELECT count(*)::int AS mail FROM outbound_message WHERE recipient = $1 AND status = 'sent'`,
      [MAINTAINER],
    );
    const notices = sink.to(MAINTAINER);
    expect(mail).toBeGreaterThanOrEqual(POSTS);
    expect(notices).toHaveLength(mail);
    expect(new Set(notices.map(messageId)).size).toBe(mail);

    // A sample of copies opens with the member's own GnuPG, signed by the list, to the post sent.
    const gpg = GpgHome.create();
    try {
      await gpg.importKey(listArmored);
      const sample = [members[0], members[7], members[19]];
      for (const member of sample) await gpg.importKey(member.key.privateKey.armor());
      const postRows = await sql<{ id: string }>(`SELECT id FROM post ORDER BY created_at`);
      expect(postRows).toHaveLength(POSTS);
      for (const [i, member] of sample.entries()) {
        const row = deliveries.find((d) => d.member_id === member.id && d.post_id === postRows[i * 3].id)!;
        const copy = copies.find((c) => c.envelope.from === `distributors-bounces+${row.id}@example.org`)!;
        const opened = await gpg.decrypt(armoredPart(copy.raw));
        expect(opened).toMatchObject({ decrypted: true, goodSignature: true, signerFingerprint: listFingerprint });
        expect(opened.recipients).toHaveLength(1);
        expect(opened.plaintext.toString('utf8')).toMatch(/body of scale-out post \d/);
      }
    } finally {
      await gpg.cleanup();
    }
  });
});
