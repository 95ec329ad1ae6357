/**
 * Mail members send (issue 5), over the real SMTP ingress, opened by the relay and checked with
 * real GnuPG peers: a signed acknowledgement to -ack (clearsigned, PGP/MIME signed, or signed and
 * encrypted, as gpg makes them) counts and releases the member's held list mail, while forged ones
 * record nothing; a member's signed, encrypted answer reaches the maintainers only, until one of
 * them releases it to the list from the admin UI, once; a stranger gets one pointer to the
 * application form and nothing is relayed; a signed leak report to -leaks is filed with its embargo.
 */
import { randomUUID } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { simpleParser } from 'mailparser';
import { createTransport } from 'nodemailer';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import { readKey } from 'openpgp';
import request from 'supertest';
import { ListKey } from '@cordon/crypto';
import { Policies } from '@cordon/policy';
import { InboundProcessor } from '@cordon/relay';
import { createWebApp } from '../../apps/cordon/src/web/create-web-app';
import { Agent, loginAgent, MaintainerAccount } from '../support/admin-login';
import { gpgPost } from '../support/client-mail';
import { aMaintainer, aMember, anEmbargo } from '../support/factories';
import { csrfFrom } from '../support/forms';
import { GpgHome } from '../support/gpg';
import { armoredPart } from '../support/mailbox';
import { RunningRelay, startRelay } from '../support/relay-app';
import { ReceivedMail } from '../support/smtp-sink';
import { RunningWebApp } from '../support/web-app';

const LIST = 'distributors@example.org';
const ACK = 'distributors-ack@example.org';
const LEAKS = 'distributors-leaks@example.org';
const OWNER = 'distributors-owner@example.org';

interface Person {
  id: string;
  email: string;
  organisation: string;
  gpg: GpgHome;
  fpr: string;
}

const statement = (version: number) => `I acknowledge version ${version} of the Embargo Policy of ${LIST}.`;

describe('mail from members', () => {
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

  describe('a signed acknowledgement to -ack', () => {
    async function expectAcknowledgedAndReleased(member: Person, raw: Buffer) {
      await send(raw, member.email, ACK);
      await relay.app.get(InboundProcessor).drain();
      // Released by the acknowledgement itself: the held copy is due now.
      expect(await heldRow(member)).toBe('pending');
      expect(await acknowledgedVersion(member)).toBe(1);
      const acks = (await db().query(`SELECT policy_version, how FROM policy_acknowledgement WHERE member_id = $1`, [
        member.id,
      ])) as { policy_version: number; how: string }[];
      expect(acks).toEqual([{ policy_version: 1, how: 'signed_mail' }]);
      const [audit] = (await db().query(
        `SELECT actor, details FROM audit_entry WHERE action = 'policy.acknowledged' AND subject = $1`,
        [`member:${member.id}`],
      )) as { actor: string; details: { how: string } }[];
      expect(audit).toMatchObject({ actor: `member:${member.id}`, details: { how: 'signed_mail' } });
      expect((await lastInbound()).status).toBe('processed');

      const before = relay.sink.received.length;
      await relay.settle();
      const sent = relay.sink.received.slice(before);
      expect(sent.map((m) => m.envelope.to[0])).toEqual([member.email, member.email]);
      const texts = await Promise.all(sent.map(async (m) => allText(await decryptFor(member.gpg, m))));
      // The held list mail, and the confirmation.
      expect(texts.some((t) => t.includes(heldPost.secret))).toBe(true);
      expect(texts.some((t) => /Recorded: you acknowledged version 1/.test(t))).toBe(true);
      expect(await heldRow(member)).toBe('sent');
    }

    it('counts a gpg clearsigned statement and releases the member’s held mail', async () => {
      const c = people.c;
      await expectAcknowledgedAndReleased(c, await clearsigned(c, c.email, ACK, 'Acknowledgement', statement(1)));
    });

    it('counts a PGP/MIME signed statement made by gpg', async () => {
      const d = people.d;
      await expectAcknowledgedAndReleased(d, await pgpMimeSigned(d, ACK, 'Acknowledgement', statement(1)));
    });

    it('counts a statement signed and encrypted to the list key by gpg', async () => {
      const e = people.e;
      await expectAcknowledgedAndReleased(e, await signedEncrypted(e, ACK, 'Acknowledgement', statement(1)));
    });

    describe('forged or stale, it is refused and records nothing', () => {
      const f = () => people.f;
      let stranger: { gpg: GpgHome; fpr: string };

      beforeAll(async () => {
        const gpg = home();
        // A key made by someone else, with the member's own address in its user ID.
        stranger = { gpg, fpr: await gpg.generateKey(f().email, { userId: `Distro F Security <${f().email}>` }) };
      });

      async function expectRefused(raw: Buffer, sender: string, code: string) {
        const acksBefore = (await db().query(`SELECT count(*)::int AS n FROM policy_acknowledgement`)) as {
          n: number;
        }[];
        const signedBefore = (await db().query(`SELECT count(*)::int AS n FROM member_signed_mail`)) as {
          n: number;
        }[];
        const sent = await sendAndSettle(raw, sender, ACK);
        expect(await lastInbound()).toMatchObject({ status: 'refused', refusal_code: code });
        const [audit] = (await db().query(
          `SELECT details FROM audit_entry WHERE action = 'member_mail.refused' ORDER BY seq DESC LIMIT 1`,
        )) as { details: { code: string; kind: string } }[];
        expect(audit.details).toMatchObject({ code, kind: 'ack' });
        expect(await db().query(`SELECT count(*)::int AS n FROM policy_acknowledgement`)).toEqual(acksBefore);
        expect(await db().query(`SELECT count(*)::int AS n FROM member_signed_mail`)).toEqual(signedBefore);
        expect(await acknowledgedVersion(f())).toBeNull();
        expect(await heldRow(f())).toBe('held');
        // Nothing to anyone but, at most, a note to the member whose address was used.
        for (const m of sent) expect(m.envelope.to[0]).toBe(sender);
        return sent;
      }

      it('refuses a statement signed by another key with the member’s From, and notes it to the member once a day', async () => {
        const forged = () => clearsigned(stranger, f().email, ACK, 'Acknowledgement', statement(1));
        const first = await expectRefused(await forged(), f().email, 'SIGNER_UNKNOWN');
        expect(first).toHaveLength(1);
        const note = await allText(await decryptFor(f().gpg, first[0]));
        expect(note).toMatch(/was not accepted, and nothing was recorded/);
        expect(note).toContain(statement(1).slice(0, -1));
        expect(await expectRefused(await forged(), f().email, 'SIGNER_UNKNOWN')).toHaveLength(0);
      });

      it('refuses an unsigned statement', async () => {
        const raw = Buffer.from(
          `${headerBlock(f().email, ACK, 'Acknowledgement')}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${statement(1)}\r\n`,
        );
        await expectRefused(raw, f().email, 'UNSIGNED');
      });

      it('refuses a signed message that is not a statement about this policy version', async () => {
        await expectRefused(
          await clearsigned(f(), f().email, ACK, 'patch', 'Here is the patch we discussed on the public list.'),
          f().email,
          'NOT_A_STATEMENT',
        );
      });

      it('refuses a statement signed by a member key revoked since, even one read before', async () => {
        const g = await aGpgMember('sec@distro-g.example', false);
        // A first message makes the relay read (and keep) the key as it was.
        await sendAndSettle(await clearsigned(g, g.email, ACK, 'hello', 'Hello.'), g.email, ACK);
        expect((await lastInbound()).refusal_code).toBe('NOT_A_STATEMENT');
        const signedBeforeRevocation = await clearsigned(g, g.email, ACK, 'Acknowledgement', statement(1));
        await g.gpg.revoke(g.fpr);
        await db().query(`UPDATE member SET key_armored = $2 WHERE id = $1`, [g.id, await g.gpg.exportPublic(g.fpr)]);
        await sendAndSettle(signedBeforeRevocation, g.email, ACK);
        expect(await lastInbound()).toMatchObject({ status: 'refused', refusal_code: 'BAD_SIGNATURE' });
        expect(await acknowledgedVersion(g)).toBeNull();
        expect(await db().query(`SELECT 1 FROM member_signed_mail WHERE member_id = $1`, [g.id])).toEqual([]);
        await db().query(`UPDATE member SET status = 'removed' WHERE id = $1`, [g.id]);
      });

      it('refuses a signature used before (a replay), and one by a stranger that is not a member at all', async () => {
        const c = people.c;
        const original = await clearsigned(c, c.email, ACK, 'Acknowledgement', statement(1));
        await sendAndSettle(original, c.email, ACK);
        expect((await lastInbound()).status).toBe('processed');
        await expectRefused(original, f().email, 'REPLAYED');
        const outsider = home();
        const fpr = await outsider.generateKey('someone@outside.example');
        await expectRefused(
          await clearsigned({ gpg: outsider, fpr }, 'someone@outside.example', ACK, 'ack', statement(1)),
          'someone@outside.example',
          'SIGNER_UNKNOWN',
        );
      });
    });
  });

  describe('a member’s signed, encrypted answer', () => {
    let answerId: string;
    const secret = `tested the fix on distro A ${randomUUID()}`;

    it('goes to each maintainer, re-encrypted to each, and to no member', async () => {
      const subject = `[EMB-${embargo.number}] Re: Advisory`;
      const sent = await sendAndSettle(await signedEncrypted(people.a, LIST, subject, secret), people.a.email, LIST);
      expect(sent.map((m) => m.envelope.to[0]).sort()).toEqual(maintainers.map((m) => m.email).sort());
      for (const m of sent) expect(m.raw.toString('latin1')).not.toContain(secret);
      for (const maintainer of maintainers) {
        const copy = sent.find((m) => m.envelope.to[0] === maintainer.email)!;
        const text = await allText(await decryptFor(maintainer.gpg, copy));
        expect(text).toContain(secret);
        expect(text).toContain(people.a.organisation);
        expect(text).toContain(`EMB-${embargo.number}`);
      }
      expect((await lastInbound()).status).toBe('processed');
      const [answer] = (await db().query(
        `SELECT id, member_id, embargo_id, released_at, subject_sealed FROM member_answer ORDER BY created_at DESC LIMIT 1`,
      )) as { id: string; member_id: string; embargo_id: string; released_at: Date | null; subject_sealed: string }[];
      expect(answer).toMatchObject({ member_id: people.a.id, embargo_id: embargo.id, released_at: null });
      expect(answer.subject_sealed).not.toContain('Advisory');
      answerId = answer.id;
      // Not a post: nothing was queued for the members.
      expect(await db().query(`SELECT count(*)::int AS n FROM post`)).toEqual([{ n: 1 }]);
    });

    it('to -owner, is kept as an answer too, rather than only forwarded', async () => {
      const sent = await sendAndSettle(
        await signedEncrypted(people.b, OWNER, 'Question <b>about</b> the date', `b asks ${randomUUID()}`),
        people.b.email,
        OWNER,
      );
      expect(sent.map((m) => m.envelope.to[0]).sort()).toEqual(maintainers.map((m) => m.email).sort());
      const [answer] = (await db().query(
        `SELECT member_id, embargo_id FROM member_answer ORDER BY created_at DESC LIMIT 1`,
      )) as { member_id: string; embargo_id: string | null }[];
      expect(answer).toEqual({ member_id: people.b.id, embargo_id: null });
    });

    it('is listed and shown to maintainers, and released to the list once', async () => {
      const list = await agent.get('/admin/answers').expect(200);
      expect(list.text).toContain(people.a.organisation);
      expect(list.text).toContain(`EMB-${embargo.number}`);
      expect(list.text).toContain('not released');
      // Subjects are the members' text: escaped.
      expect(list.text).toContain('Question &lt;b&gt;about&lt;/b&gt; the date');
      expect(list.text).not.toContain('<b>about</b>');
      const page = await agent.get(`/admin/answers/${answerId}`).expect(200);
      expect(page.text).toContain(secret);
      expect(page.text).toContain('Release to the list');
      await request(web.url).get(`/admin/answers/${answerId}`).expect(303);
      // No CSRF token, no release.
      await agent.post(`/admin/answers/${answerId}/release`).type('form').send({}).expect(403);

      const before = relay.sink.received.length;
      await agent
        .post(`/admin/answers/${answerId}/release`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text) })
        .expect(303);
      await relay.settle();
      const sent = relay.sink.received.slice(before);
      const eligible = [people.a, people.b, people.c, people.d, people.e];
      const copies = sent.filter((m) => !/Your answer was released/.test(m.raw.toString('latin1')));
      for (const member of eligible) {
        const theirs = sent.filter((m) => m.envelope.to[0] === member.email);
        const texts = await Promise.all(theirs.map(async (m) => allText(await decryptFor(member.gpg, m))));
        const listCopies = texts.filter((t) => t.includes(secret));
        expect(listCopies).toHaveLength(1);
        expect(listCopies[0]).toContain('(answer from a member)');
      }
      expect(copies.every((m) => m.envelope.to.length === 1)).toBe(true);
      // f has not acknowledged the policy: its copy is held; maintainers get no list copy.
      const [row] = (await db().query(`SELECT released_by, released_post_id FROM member_answer WHERE id = $1`, [
        answerId,
      ])) as { released_by: string; released_post_id: string }[];
      expect(row.released_by).toBe(lead.id);
      const deliveries = (await db().query(
        `SELECT member_id, status FROM post_delivery WHERE post_id = $1 ORDER BY member_id`,
        [row.released_post_id],
      )) as { member_id: string; status: string }[];
      expect(deliveries.find((d) => d.member_id === people.f.id)?.status).toBe('held');
      expect(deliveries.filter((d) => d.status === 'sent')).toHaveLength(eligible.length);
      expect(sent.some((m) => maintainers.some((x) => x.email === m.envelope.to[0]))).toBe(false);
      const [audit] = (await db().query(
        `SELECT actor FROM audit_entry WHERE action = 'member_answer.released' AND subject = $1`,
        [`member_answer:${answerId}`],
      )) as { actor: string }[];
      expect(audit.actor).toBe(`maintainer:${lead.id}`);

      // A second release is refused, and sends nothing.
      const again = await agent.get(`/admin/answers/${answerId}`).expect(200);
      expect(again.text).not.toContain('Release to the list</button>');
      const second = relay.sink.received.length;
      const refused = await agent
        .post(`/admin/answers/${answerId}/release`)
        .type('form')
        .send({ _csrf: csrfFrom(again.text) });
      expect(refused.status).toBe(409);
      await relay.settle();
      expect(relay.sink.received.length).toBe(second);
      expect(
        await db().query(
          `SELECT count(*)::int AS n FROM post WHERE inbound_message_id = (
          SELECT inbound_message_id FROM member_answer WHERE id = $1)`,
          [answerId],
        ),
      ).toEqual([{ n: 1 }]);
    });
  });

  describe('mail to the list from someone not on it', () => {
    it('gets one neutral reply pointing to the application form, and nothing is relayed', async () => {
      const stranger = `someone-${randomUUID().slice(0, 6)}@outside.example`;
      const raw = () =>
        Buffer.from(
          `${headerBlock(stranger, LIST, 'Hello list')}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease add me.\r\n`,
        );
      const posts = await db().query(`SELECT count(*)::int AS n FROM post_delivery`);
      const first = await sendAndSettle(raw(), stranger, LIST);
      expect((await lastInbound()).refusal_code).toBe('NOT_ENCRYPTED');
      const replies = first.filter((m) => m.envelope.to[0] === stranger);
      expect(replies).toHaveLength(1);
      const reply = replies[0].raw.toString('utf8');
      expect(reply).toContain(`${web.url}/apply`);
      expect(reply).toMatch(/^Auto-Submitted: auto-replied/im);
      expect(reply).not.toMatch(/multipart\/encrypted/);
      for (const member of Object.values(people)) expect(reply).not.toContain(member.email);
      // The maintainers hear of it in one line, encrypted; no member hears anything.
      const others = first.filter((m) => m.envelope.to[0] !== stranger).map((m) => m.envelope.to[0]);
      expect(others.sort()).toEqual(maintainers.map((m) => m.email).sort());
      const line = await allText(
        await decryptFor(
          leadGpg,
          first.find((m) => m.envelope.to[0] === lead.email)!,
        ),
      );
      expect(line).toContain(stranger);

      const second = await sendAndSettle(raw(), stranger, LIST);
      expect(second).toEqual([]);
      expect((await lastInbound()).status).toBe('refused');
      expect(await db().query(`SELECT count(*)::int AS n FROM post_delivery`)).toEqual(posts);
    });

    it('gets the reply encrypted when it applied with a key, signed by that key or not', async () => {
      const applicant = `applicant-${randomUUID().slice(0, 6)}@newdistro.example`;
      const gpg = home();
      const fpr = await gpg.generateKey(applicant);
      await gpg.importKey(listArmored);
      const [policy] = (await db().query(`SELECT version, sha256 FROM policy_version ORDER BY version LIMIT 1`)) as {
        version: number;
        sha256: string;
      }[];
      await db().query(
        `INSERT INTO application (id, status, organisation, distribution, website, contact_name, contact_email,
           key_armored, key_fingerprint, key_algorithm, evidence, policy_version, policy_sha256, voucher_email, status_token_hash)
         VALUES ($1, 'in_review', 'New Distro', 'newdistro', 'https://newdistro.example', 'Ann', $2, $3, $4, 'ed25519',
           '{}'::jsonb, $5, $6, 'sec@distro-a.example', $7)`,
        [randomUUID(), applicant, await gpg.exportPublic(fpr), fpr, policy.version, policy.sha256, randomUUID()],
      );
      const sent = await sendAndSettle(
        await gpgPost({
          from: { name: 'Ann', address: applicant },
          to: LIST,
          subject: 'Our advisory',
          text: `not for the list ${randomUUID()}`,
          gpg,
          signerFingerprint: fpr,
          listFingerprint: listFpr,
        }),
        applicant,
        LIST,
      );
      expect((await lastInbound()).refusal_code).toBe('SIGNER_NOT_MAINTAINER');
      const replies = sent.filter((m) => m.envelope.to[0] === applicant);
      expect(replies).toHaveLength(1);
      expect(await allText(await decryptFor(gpg, replies[0]))).toContain(`${web.url}/apply`);
      for (const member of Object.values(people))
        expect(sent.some((m) => m.envelope.to[0] === member.email)).toBe(false);
    });
  });

  describe('a leak report to -leaks', () => {
    it('is filed with the embargo its subject names, when signed by a member', async () => {
      const a = people.a;
      const body = [
        'What leaked: the patch for the overflow',
        'Leaked to: a public mirror of our packaging repository',
        'When: 2020-06-01T10:00:00Z',
        'Self-reported: yes',
        'Evidence:',
        'https://mirror.example/commit/123',
      ].join('\n');
      const sent = await sendAndSettle(
        await clearsigned(a, a.email, LEAKS, `[EMB-${embargo.number}] leak`, body),
        a.email,
        LEAKS,
      );
      expect((await lastInbound()).status).toBe('processed');
      const [report] = (await db().query(
        `SELECT embargo_id, what_leaked, leaked_to, leaked_at, evidence, self_reported, reporter_kind, reporter_member_id
         FROM leak_report ORDER BY created_at DESC LIMIT 1`,
      )) as Record<string, unknown>[];
      expect(report).toMatchObject({
        embargo_id: embargo.id,
        what_leaked: 'the patch for the overflow',
        leaked_to: 'a public mirror of our packaging repository',
        evidence: 'https://mirror.example/commit/123',
        self_reported: true,
        reporter_kind: 'mail',
        reporter_member_id: a.id,
      });
      expect(new Date(report.leaked_at as string).toISOString()).toBe('2020-06-01T10:00:00.000Z');
      const receipt = sent.find((m) => m.envelope.to[0] === a.email)!;
      expect(await allText(await decryptFor(a.gpg, receipt))).toMatch(/leak report was filed/);
      expect(sent.map((m) => m.envelope.to[0])).toEqual(expect.arrayContaining(maintainers.map((m) => m.email)));
    });

    it('is refused, and nothing filed, when unsigned or signed by a key that is no member’s', async () => {
      const count = () => db().query(`SELECT count(*)::int AS n FROM leak_report`);
      const before = await count();
      const unsigned = Buffer.from(
        `${headerBlock(people.b.email, LEAKS, 'leak')}\r\nContent-Type: text/plain\r\n\r\nWhat leaked: x\r\nLeaked to: y\r\n`,
      );
      await sendAndSettle(unsigned, people.b.email, LEAKS);
      expect(await lastInbound()).toMatchObject({ status: 'refused', refusal_code: 'UNSIGNED' });
      const gpg = home();
      const fpr = await gpg.generateKey(people.b.email);
      await sendAndSettle(
        await clearsigned({ gpg, fpr }, people.b.email, LEAKS, 'leak', 'What leaked: x\nLeaked to: y'),
        people.b.email,
        LEAKS,
      );
      expect(await lastInbound()).toMatchObject({ status: 'refused', refusal_code: 'SIGNER_UNKNOWN' });
      expect(await count()).toEqual(before);
    });
  });

  describe('a new policy version', () => {
    it('is not acknowledged by a signature made before it was published, and is by one made after', async () => {
      const f = people.f;
      const early = await clearsigned(f, f.email, ACK, 'Acknowledgement', statement(2));
      await new Promise((resolve) => setTimeout(resolve, 1100)); // signature times are whole seconds
      const policies = relay.app.get(Policies);
      await db().transaction((manager) => policies.publish(manager, 'Version 2 of the policy.', 'maintainer:test'));
      await sendAndSettle(early, f.email, ACK);
      expect(await lastInbound()).toMatchObject({ status: 'refused', refusal_code: 'SIGNED_BEFORE_POLICY' });
      expect(await acknowledgedVersion(f)).toBeNull();
      expect(await heldRow(f)).toBe('held');

      await sendAndSettle(await clearsigned(f, f.email, ACK, 'Acknowledgement', statement(2)), f.email, ACK);
      expect((await lastInbound()).status).toBe('processed');
      expect(await acknowledgedVersion(f)).toBe(2);
    });
  });
});
