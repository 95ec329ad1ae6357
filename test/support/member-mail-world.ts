/**
 * The world the tests of mail from members share (test/relay/member-mail.e2e.ts and
 * member-mail-acknowledgements.e2e.ts): the relay and the web app on one database, the maintainers
 * and members with their own GnuPG, and mail made as gpg makes it (clearsigned, PGP/MIME signed,
 * signed and encrypted). Each test file gets its own (started in beforeAll, stopped in afterAll).
 */
import { randomUUID } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { simpleParser } from 'mailparser';
import { createTransport } from 'nodemailer';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import { readKey } from 'openpgp';
import { ListKey } from '@cordon/crypto';
import { createWebApp } from '../../apps/cordon/src/web/create-web-app';
import { Agent, loginAgent, MaintainerAccount } from './admin-login';
import { gpgPost } from './client-mail';
import { aMaintainer, aMember, anEmbargo } from './factories';
import { GpgHome } from './gpg';
import { armoredPart } from './mailbox';
import { RunningRelay, startRelay } from './relay-app';
import { ReceivedMail } from './smtp-sink';
import { RunningWebApp } from './web-app';

export const LIST = 'distributors@example.org';
export const ACK = 'distributors-ack@example.org';
export const LEAKS = 'distributors-leaks@example.org';
export const OWNER = 'distributors-owner@example.org';

export interface Person {
  id: string;
  email: string;
  organisation: string;
  gpg: GpgHome;
  fpr: string;
}

export const statement = (version: number) => `I acknowledge version ${version} of the Embargo Policy of ${LIST}.`;

/** What beforeAll makes: read it in the test file's own beforeAll (which runs after this one). */
export interface MemberMailState {
  relay: RunningRelay;
  web: RunningWebApp;
  agent: Agent;
  lead: MaintainerAccount;
  leadGpg: GpgHome;
  listArmored: string;
  listFpr: string;
  embargo: { id: string; number: number };
  heldPost: { id: string; secret: string };
}

/**
 * A relay with the web app beside it on one runtime (as `cordon serve` runs them), two maintainers
 * with gpg, six members with gpg (a and b have acknowledged the policy; c, d, e and f have not, and
 * hold a copy of the lead's post), an embargo; and the helpers that make and send members' mail.
 */
export function memberMailWorld() {
  let relay: RunningRelay;
  let web: RunningWebApp;
  let agent: Agent;
  let lead: MaintainerAccount;
  let leadGpg: GpgHome;
  let listArmored: string;
  let listFpr: string;
  const homes: GpgHome[] = [];
  const maintainers: { email: string; gpg: GpgHome }[] = [];
  const people: Record<'a' | 'b' | 'c' | 'd' | 'e' | 'f', Person> = {} as never;
  let embargo: { id: string; number: number };
  let heldPost: { id: string; secret: string };
  const db = () => relay.runtime.database.dataSource;

  const home = () => {
    const gpg = GpgHome.create();
    homes.push(gpg);
    return gpg;
  };

  /** A member with a gpg of its own; `acknowledged` false: its list mail is held until it acknowledges. */
  async function aGpgMember(email: string, acknowledged: boolean): Promise<Person> {
    const gpg = home();
    const fpr = await gpg.generateKey(email);
    await gpg.importKey(listArmored);
    const organisation = `Distro ${email.split('@')[1]}`;
    const { id } = await aMember(relay.app, { email, key: await gpg.exportPublic(fpr), organisation, acknowledged });
    return { id, email, organisation, gpg, fpr };
  }

  async function send(raw: Buffer, from: string, to: string): Promise<void> {
    const transport = createTransport({ host: '127.0.0.1', port: relay.smtpPort, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from, to: [to] }, raw });
    } finally {
      transport.close();
    }
  }

  /** Sends, runs the pipeline and the delivery queues, and returns what went out meanwhile. */
  async function sendAndSettle(raw: Buffer, from: string, to: string): Promise<ReceivedMail[]> {
    const before = relay.sink.received.length;
    await send(raw, from, to);
    await relay.settle();
    return relay.sink.received.slice(before);
  }

  const lastInbound = async () =>
    (
      (await db().query(`SELECT id, status, refusal_code FROM inbound_message ORDER BY received_at DESC LIMIT 1`)) as {
        id: string;
        status: string;
        refusal_code: string | null;
      }[]
    )[0];

  const headerBlock = (from: string, to: string, subject: string) =>
    [
      `From: Security Team <${from}>`,
      `To: ${to}`,
      `Subject: ${subject}`,
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: <${randomUUID()}@${from.split('@')[1]}>`,
      'MIME-Version: 1.0',
    ].join('\r\n');

  /** `gpg --clearsign` (RFC 4880 §7) in a text/plain body, as mutt's and gpg's inline signing send it. */
  async function clearsigned(
    p: { gpg: GpgHome; fpr: string },
    from: string,
    to: string,
    subject: string,
    text: string,
  ) {
    const { stdout } = await p.gpg.must(['--local-user', p.fpr, '--clearsign'], text);
    const body = stdout.toString('utf8').replace(/\r?\n/g, '\r\n');
    return Buffer.from(
      `${headerBlock(from, to, subject)}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}`,
    );
  }

  /** RFC 3156 §5 multipart/signed, the detached signature made by `gpg --detach-sign` over the CRLF part. */
  async function pgpMimeSigned(p: Person, to: string, subject: string, text: string) {
    const part = `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${qpWrap(
      qpEncode(Buffer.from(text.replace(/\r?\n/g, '\r\n'))),
      76,
    )}`;
    const { stdout } = await p.gpg.must(['--local-user', p.fpr, '--armor', '--detach-sign'], Buffer.from(part));
    const boundary = `sig-${randomUUID()}`;
    const signature = stdout.toString('utf8').replace(/\r?\n/g, '\r\n');
    return Buffer.from(
      `${headerBlock(p.email, to, subject)}\r\n` +
        `Content-Type: multipart/signed; micalg=pgp-sha512; protocol="application/pgp-signature"; boundary="${boundary}"\r\n\r\n` +
        `This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n--${boundary}\r\n${part}\r\n--${boundary}\r\n` +
        `Content-Type: application/pgp-signature; name="signature.asc"\r\n\r\n${signature}\r\n--${boundary}--\r\n`,
    );
  }

  /** `gpg --sign --encrypt` to the list key, PGP/MIME (test/support/client-mail gpgPost). */
  const signedEncrypted = (p: Person, to: string, subject: string, text: string) =>
    gpgPost({
      from: { name: 'Security Team', address: p.email },
      to,
      subject,
      text,
      gpg: p.gpg,
      signerFingerprint: p.fpr,
      listFingerprint: listFpr,
    });

  async function decryptFor(gpg: GpgHome, mail: ReceivedMail) {
    const opened = await gpg.decrypt(armoredPart(mail.raw.toString('utf8')));
    expect(opened.decrypted).toBe(true);
    expect(opened.goodSignature && opened.signerFingerprint === listFpr).toBe(true);
    return opened.plaintext.toString('utf8');
  }

  /** The whole decrypted MIME tree's text, nested messages included. */
  async function allText(mime: string | Buffer): Promise<string> {
    const parsed = await simpleParser(mime);
    const texts = [parsed.subject ?? '', parsed.from?.text ?? '', parsed.text ?? ''];
    for (const attachment of parsed.attachments) {
      if (attachment.contentType === 'message/rfc822') texts.push(await allText(attachment.content));
      else if (attachment.contentType.startsWith('text/')) texts.push(attachment.content.toString('utf8'));
    }
    return texts.join('\n');
  }

  const heldRow = async (member: Person) =>
    (
      (await db().query(`SELECT status FROM post_delivery WHERE post_id = $1 AND member_id = $2`, [
        heldPost.id,
        member.id,
      ])) as { status: string }[]
    )[0]?.status;

  const acknowledgedVersion = async (member: Person) =>
    (
      (await db().query(`SELECT acknowledged_policy_version AS v FROM member WHERE id = $1`, [member.id])) as {
        v: number | null;
      }[]
    )[0].v;

  beforeAll(async () => {
    relay = await startRelay();
    // The web app beside the relay, on the same runtime and database, as `cordon serve` runs them.
    const app: NestExpressApplication = await createWebApp(relay.runtime);
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    relay.runtime.settings.publicUrl = url;
    web = { app, runtime: relay.runtime, settings: relay.runtime.settings, url, close: () => app.close() };

    listArmored = await relay.app.get(ListKey).armoredPublicKey();
    listFpr = (await readKey({ armoredKey: listArmored })).getFingerprint().toUpperCase();
    leadGpg = home();
    await leadGpg.importKey(listArmored);
    ({ agent, maintainer: lead } = await loginAgent(web, { gpg: leadGpg, email: 'lead@project.example' }));
    maintainers.push({ email: lead.email, gpg: leadGpg });
    const second = home();
    const secondFpr = await second.generateKey('second@project.example');
    await second.importKey(listArmored);
    await aMaintainer(web.app, {
      email: 'second@project.example',
      key: await second.exportPublic(secondFpr),
      name: 'Second',
    });
    maintainers.push({ email: 'second@project.example', gpg: second });

    people.a = await aGpgMember('sec@distro-a.example', true);
    people.b = await aGpgMember('sec@distro-b.example', true);
    for (const key of ['c', 'd', 'e', 'f'] as const) people[key] = await aGpgMember(`sec@distro-${key}.example`, false);

    embargo = await anEmbargo(
      web.app,
      { title: 'Overflow in libfoo', publicAt: new Date(Date.now() + 10 * 86_400_000) },
      lead.id,
    );

    // A maintainer's post while c, d, e and f have not acknowledged the policy: their copies are held.
    const secret = `held advisory ${randomUUID()}`;
    await sendAndSettle(
      await gpgPost({
        from: { name: 'Lead', address: lead.email },
        to: LIST,
        subject: 'Advisory',
        text: secret,
        gpg: leadGpg,
        signerFingerprint: lead.fingerprint,
        listFingerprint: listFpr,
      }),
      lead.email,
      LIST,
    );
    const [post] = (await db().query(`SELECT id FROM post ORDER BY created_at DESC LIMIT 1`)) as { id: string }[];
    heldPost = { id: post.id, secret };
    for (const key of ['c', 'd', 'e', 'f'] as const) expect(await heldRow(people[key])).toBe('held');
  });

  afterAll(async () => {
    await web?.close();
    await relay?.close();
    for (const gpg of homes) await gpg.cleanup();
  });

  return {
    homes,
    maintainers,
    people,
    db,
    home,
    lastInbound,
    headerBlock,
    signedEncrypted,
    heldRow,
    acknowledgedVersion,
    aGpgMember,
    send,
    sendAndSettle,
    clearsigned,
    pgpMimeSigned,
    decryptFor,
    allText,
    state: (): MemberMailState => ({ relay, web, agent, lead, leadGpg, listArmored, listFpr, embargo, heldPost }),
  };
}
