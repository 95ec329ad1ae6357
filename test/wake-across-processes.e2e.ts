/**
 * Waking across processes (issue 15; README "Scale out", "Waking"): a relay, a worker and a web app,
 * each a real `cordon serve --role …` process on one PostgreSQL, with DELIVERY_POLL_MS at ten
 * minutes so that no loop finds anything by polling within the test. A signed post sent over SMTP
 * to the relay reaches every member through the worker, and an application's confirmation mail,
 * queued by the web app, leaves through the worker: only the database's notifications wake them.
 *
 * PostgreSQL only: the embedded database serves one process, whose loops wake each other directly.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { decrypt, readKey, readMessage } from 'openpgp';
import { Client } from 'pg';
import { parseSettings } from '@cordon/config';
import { AcknowledgeCurrentPolicy } from '@cordon/membership';
import { openRuntime } from '@cordon/runtime';
import { createWebApp } from '../apps/cordon/src/web/create-web-app';
import { WAKE_CHANNELS } from '@cordon/persistence';
import request from 'supertest';
import { thunderbirdPost } from './support/client-mail';
import { freshDatabaseLocation, realPostgresUrl } from './support/database';
import { withDomain } from './support/domain-context';
import { aMaintainer, aMember } from './support/factories';
import { csrfFrom } from './support/forms';
import { anOpenpgpKey, TestKey } from './support/keys';
import { freePort } from './support/ports';
import { answers, exited, ready, serve, ServeProcess, stop, until } from './support/serve-process';
import { SmtpSink } from './support/smtp-sink';

const LIST = 'distributors@example.org';
const MAINTAINER = 'lead@project.example';
const APPLICANT = 'security@new-distro.example';
const root = join(__dirname, '..');
const MEMBERS = Array.from({ length: 5 }, (_, i) => `sec@member-${i}.example`);
/** A member that has not acknowledged the policy yet: its copy is held (HeldMail) until it does. */
const LATE = 'sec@late-member.example';
const TEN_MINUTES = '600000';
const MARKER = 'wake_test_marker';

/** The armored OpenPGP message of a mail (the encrypted part of its PGP/MIME body). */
function armoredPart(raw: Buffer): string {
  const match = /-----BEGIN PGP MESSAGE-----\r?\n[\s\S]+?-----END PGP MESSAGE-----/.exec(raw.toString('latin1'));
  if (!match) throw new Error('no armored OpenPGP message in the mail');
  return match[0];
}

async function opened(raw: Buffer, key: TestKey): Promise<string> {
  const message = await readMessage({ armoredMessage: armoredPart(raw) });
  return String((await decrypt({ message, decryptionKeys: key.privateKey })).data);
}

describe('relay, worker and web as separate processes wake each other through PostgreSQL', () => {
  jest.setTimeout(240_000);
  const skipped = realPostgresUrl()
    ? undefined
    : 'needs PostgreSQL (set DATABASE_URL): on the embedded database one process serves every role';
  let location: Awaited<ReturnType<typeof freshDatabaseLocation>>;
  let env: Record<string, string>;
  let sink: SmtpSink;
  let smtpPort: number;
  let httpPort: number;
  const children: ServeProcess[] = [];
  let lateMemberId: string;

  async function sql<T>(text: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: location.databaseUrl });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** `cordon serve --role ROLE`, with a data directory of its own, as on a host of its own. */
  function start(role: 'relay' | 'worker' | 'web'): ServeProcess {
    const child = serve(role, ['--role', role], { ...env, DATA_DIR: join(location.dataDir, role) });
    children.push(child);
    return child;
  }

  beforeAll(async () => {
    if (skipped) return;
    location = await freshDatabaseLocation();
    sink = new SmtpSink();
    const sinkPort = await sink.start();
    [smtpPort, httpPort] = [await freePort(), await freePort()];
    const secretFile = join(location.dataDir, 'secret.key');
    writeFileSync(secretFile, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    env = {
      DATABASE_URL: location.databaseUrl!,
      SECRET_KEY_FILE: secretFile,
      LIST_ADDRESS: LIST,
      LOG_LEVEL: 'info',
      OUTBOUND_SMTP_URL: `smtp://127.0.0.1:${sinkPort}`,
      DELIVERY_POLL_MS: TEN_MINUTES,
      UNTAGGED_POSTS: 'relay',
      SMTP_PORT: String(smtpPort),
      HTTP_PORT: String(httpPort),
      PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
    };
    const [relay, worker, web] = [start('relay'), start('worker'), start('web')];
    const logged = (child: ServeProcess) => child.output.includes('list key ');
    await Promise.all([
      ready(relay, async () => logged(relay) && (await answers(smtpPort))),
      ready(worker, () => logged(worker) && worker.output.includes('worker: delivery')),
      ready(web, async () => logged(web) && (await answers(httpPort))),
    ]);
  });

  afterAll(async () => {
    // Every process stopped, whatever happened: SIGTERM, then SIGKILL if it lingers.
    await Promise.all(children.map((child) => stop(child)));
    await sink?.stop();
    await location?.remove();
  });

  afterEach(() => {
    const crashed = children.find(exited);
    if (crashed) throw new Error(`${crashed.name} exited:\n${crashed.output}`);
  });

  it('delivers a signed post sent to the relay to every member through the worker, woken at the commit', async () => {
    if (skipped) return console.warn(`skipped: ${skipped}`);
    const maintainer = await anOpenpgpKey(MAINTAINER);
    const members = await Promise.all(MEMBERS.map(async (email) => ({ email, key: await anOpenpgpKey(email) })));
    await withDomain(
      { DATA_DIR: join(location.dataDir, 'setup'), DATABASE_URL: location.databaseUrl!, ...env },
      async (app) => {
        await aMaintainer(app, { email: MAINTAINER, key: maintainer.publicKey, name: 'Lead' });
        for (const member of members) await aMember(app, { email: member.email, key: member.key.publicKey });
        const late = await aMember(app, {
          email: LATE,
          key: (await anOpenpgpKey(LATE)).publicKey,
          acknowledged: false,
        });
        lateMemberId = late.id;
      },
    );
    const [{ public_key: listArmored }] = await sql<{ public_key: string }>('SELECT public_key FROM list_key');
    const raw = await thunderbirdPost({
      from: { name: 'Lead', address: MAINTAINER },
      to: LIST,
      subject: 'woken, not polled',
      text: 'a post the worker learns of from the database',
      signer: maintainer.privateKey,
      listKey: await readKey({ armoredKey: listArmored }),
    });

    // The test listens beside the processes, to count the notifications the post causes.
    const heard: string[] = [];
    const listener = new Client({ connectionString: location.databaseUrl });
    await listener.connect();
    listener.on('notification', ({ channel }) => heard.push(channel));
    for (const channel of [WAKE_CHANNELS.inbound, WAKE_CHANNELS.postDelivery, MARKER])
      await listener.query(`LISTEN ${listener.escapeIdentifier(channel)}`);

    const transport = createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    try {
      const info = await transport.sendMail({ envelope: { from: MAINTAINER, to: [LIST] }, raw });
      expect(info.accepted).toEqual([LIST]);
    } finally {
      transport.close();
    }
    const accepted = Date.now();
    const copies = () => sink.received.filter((mail) => mail.envelope.from.startsWith('distributors-bounces+'));
    // Far less than the poll interval: only a notification can have started the pipeline and the worker.
    await until('every member to have its copy', () => copies().length === MEMBERS.length, 60_000);
    console.log(`every copy of the post arrived ${Date.now() - accepted} ms after the 250`);
    expect(
      copies()
        .map((mail) => mail.envelope.to[0])
        .sort(),
    ).toEqual([...MEMBERS].sort());
    for (const member of members.slice(0, 2)) {
      const copy = copies().find((mail) => mail.envelope.to[0] === member.email)!;
      expect(await opened(copy.raw, member.key)).toContain('a post the worker learns of from the database');
    }
    // The relay's notice to the maintainer is service mail, woken the same way.
    await until('the maintainer to be told its post went out', () => sink.to(MAINTAINER).length > 0, 60_000);

    // One notification for the stored message and one for the fan-out: the worker's claims and
    // settlements of the copies raise none. Notifications arrive in commit order, so once the
    // marker sent after the last settlement is heard, any they raised would have been heard too.
    try {
      const settled = async () =>
        (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM post_delivery WHERE status = 'sent'`))[0].n;
      await until('every copy to be recorded as sent', async () => (await settled()) === MEMBERS.length, 60_000);
      await sql(`SELECT pg_notify($1, '')`, [MARKER]);
      await until('the marker', () => heard.includes(MARKER), 30_000);
      expect(heard).toEqual([WAKE_CHANNELS.inbound, WAKE_CHANNELS.postDelivery, MARKER]);
    } finally {
      await listener.end();
    }
  });

  it('delivers a held copy through the worker once another process releases it', async () => {
    if (skipped) return;
    const [{ status }] = await sql<{ status: string }>(`SELECT status FROM post_delivery WHERE member_id = $1`, [
      lateMemberId,
    ]);
    expect(status).toBe('held');
    // The member acknowledges through a web app of the test's own, a process apart from the three:
    // its held copy is due again, which the trigger on post_delivery tells the worker.
    const runtime = await openRuntime(parseSettings({ ...env, DATA_DIR: join(location.dataDir, 'ack') }, root));
    const web = await createWebApp(runtime);
    try {
      await web.get(AcknowledgeCurrentPolicy).execute(lateMemberId, 1);
    } finally {
      await web.close();
    }
    await until(
      'the late member to get its copy',
      () => sink.received.some((mail) => mail.envelope.to[0] === LATE && mail.envelope.from.includes('-bounces+')),
      60_000,
    );
  });

  it('delivers the confirmation mail the web app queues for an applicant through the worker', async () => {
    if (skipped) return;
    const applicant = await anOpenpgpKey(APPLICANT);
    const agent = request.agent(`http://127.0.0.1:${httpPort}`);
    const page = await agent.get('/apply').expect(200);
    const applied = await agent
      .post('/apply')
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        organisation: 'New Distro',
        distribution: 'NewDistro Linux',
        website: 'https://new-distro.example',
        contactName: 'Nadia Example',
        contactEmail: APPLICANT,
        key: applicant.publicKey,
        evidence1: 'We ship the project in our main repository: https://new-distro.example/pkgs',
        evidence2: 'About 40,000 installations, mostly outside our organisation.',
        evidence3: 'Advisories: https://new-distro.example/security (latest last month).',
        evidence4: 'We build from upstream sources with our own patches.',
        evidence5: 'We send patches upstream and answer on the project forum.',
        acceptPolicy: 'yes',
        policyVersion: '1',
        voucherEmail: MEMBERS[0],
      });
    expect(applied.status).toBe(201);

    await until('the applicant to get its confirmation mail', () => sink.to(APPLICANT).length === 1, 60_000);
    const [confirmation] = sink.to(APPLICANT);
    expect(await opened(confirmation.raw, applicant)).toContain('/apply/confirm/');
    const [{ status }] = await sql<{ status: string }>(`SELECT status FROM outbound_message WHERE recipient = $1`, [
      APPLICANT,
    ]);
    expect(status).toBe('sent');
  });
});
