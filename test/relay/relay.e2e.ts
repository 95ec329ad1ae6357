/**
 * The encrypted relay end to end: a maintainer's post, made by real clients (gpg, sq, and in the
 * shapes Thunderbird, mutt and Evolution write), sent over SMTP to the list, reaches every active
 * member encrypted to that member alone, and nobody else; everything else is refused.
 */
import { randomUUID } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { simpleParser } from 'mailparser';
import { ListKey } from '@cordon/crypto';
import { KeyExpiryWarnings } from '@cordon/relay';
import { MAX_INBOUND_ATTEMPTS } from '../../libs/relay/src/pipeline/inbound-processor';
import { OpenStage } from '../../libs/relay/src/pipeline/stages';
import { GpgHome } from '../support/gpg';
import { anOpenpgpKey } from '../support/keys';
import {
  evolutionPost,
  gpgPost,
  inlinePost,
  plaintextPost,
  signedByStranger,
  SqPeer,
  sqPost,
  thunderbirdPost,
  unsignedEncrypted,
  muttPost,
} from '../support/client-mail';
import { armoredPart } from '../support/mailbox';
import { RunningRelay, startRelay } from '../support/relay-app';
import { readKey, PrivateKey, PublicKey } from 'openpgp';

const LIST = 'distributors@example.org';
const MAINTAINER = 'lead@project.example';

interface TestMember {
  email: string;
  decrypt(armored: string): Promise<{ plaintext: Buffer | null; good: boolean; recipients: number }>;
}

describe('the encrypted relay', () => {
  let relay: RunningRelay;
  let gpg: GpgHome; // the maintainer's, and two members'
  let sq: SqPeer; // a member using Sequoia
  let listKey: PublicKey;
  let listArmored: string;
  let maintainerFpr: string;
  let maintainerJs: PrivateKey; // a second maintainer, whose client uses OpenPGP.js (Thunderbird's library)
  const members: TestMember[] = [];
  const outsiders = ['applicant@newdistro.example', 'suspended@old.example', 'unacked@late.example'];
  const db = () => relay.runtime.database.dataSource;
  const maintainerEmails: string[] = [];

  async function insertMember(email: string, key: string, fpr: string, status = 'active', ack: number | null = 1) {
    await db().query(
      `INSERT INTO member (id, email, organisation, key_armored, key_fingerprint, key_algorithm, status, acknowledged_policy_version)
       VALUES ($1, $2, $3, $4, $5, 'test', $6, $7)`,
      [randomUUID(), email, email.split('@')[1], key, fpr, status, ack],
    );
  }

  async function insertMaintainer(email: string, key: string, fpr: string) {
    maintainerEmails.push(email);
    await db().query(
      `INSERT INTO maintainer (id, email, name, key_armored, key_fingerprint, status) VALUES ($1, $2, $3, $4, $5, 'active')`,
      [randomUUID(), email, 'Lea Lead', key, fpr],
    );
  }

  beforeAll(async () => {
    relay = await startRelay();
    gpg = GpgHome.create();
    sq = SqPeer.create();
    listArmored = await relay.app.get(ListKey).armoredPublicKey();
    listKey = await readKey({ armoredKey: listArmored });
    await gpg.importKey(listArmored);
    maintainerFpr = await gpg.generateKey(MAINTAINER);
    await insertMaintainer(MAINTAINER, await gpg.exportPublic(maintainerFpr), maintainerFpr);
    const js = await anOpenpgpKey('second@project.example', 'Second Maintainer');
    maintainerJs = js.privateKey;
    await insertMaintainer('second@project.example', js.publicKey, js.fingerprint);

    for (const [email, algo] of [
      ['sec@distro-a.example', 'ed25519'],
      ['sec@distro-b.example', 'rsa3072'],
    ] as const) {
      const home = GpgHome.create();
      const fpr = await home.generateKey(email, { algo });
      await home.importKey(listArmored);
      await insertMember(email, await home.exportPublic(fpr), fpr);
      members.push({
        email,
        decrypt: async (armored) => {
          const opened = await home.decrypt(armored);
          return {
            plaintext: opened.decrypted ? opened.plaintext : null,
            good: opened.goodSignature && opened.signerFingerprint === listKey.getFingerprint().toUpperCase(),
            recipients: opened.recipients.length,
          };
        },
      });
    }
    const sqEmail = 'sec@distro-sq.example';
    const cert = await sq.generateKey(sqEmail);
    const certKey = await readKey({ armoredKey: cert });
    await insertMember(sqEmail, cert, certKey.getFingerprint().toUpperCase());
    members.push({
      email: sqEmail,
      decrypt: async (armored) => {
        const plaintext = await sq.decrypt(armored, sqEmail, listArmored);
        return { plaintext, good: plaintext !== null, recipients: 1 };
      },
    });
    // People who must never get a copy: an applicant, a suspended member, one who has not acknowledged.
    for (const [i, email] of outsiders.entries()) {
      const key = await anOpenpgpKey(email);
      if (i === 1) await insertMember(email, key.publicKey, key.fingerprint, 'suspended');
      if (i === 2) await insertMember(email, key.publicKey, key.fingerprint, 'active', null);
    }
  });

  afterAll(async () => {
    await relay?.close();
    await gpg?.cleanup();
    sq?.cleanup();
  });

  async function send(raw: Buffer, from = MAINTAINER, to = LIST): Promise<void> {
    const transport = createTransport({ host: '127.0.0.1', port: relay.smtpPort, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from, to: [to] }, raw });
    } finally {
      transport.close();
    }
  }

  const opts = (subject: string, text: string) => ({
    from: { name: 'Lea Lead', address: MAINTAINER },
    to: LIST,
    subject,
    text,
    attachments: [
      { filename: 'fix.patch', contentType: 'text/x-diff', content: Buffer.from('--- a\n+++ b\n@@ fix @@\n') },
    ],
  });

  /** Sends, lets the relay settle, and returns the copies the sink got for this post. */
  async function relayPost(raw: Buffer, marker: string) {
    const before = relay.sink.received.length;
    await send(raw);
    await relay.settle();
    return { copies: relay.sink.received.slice(before), marker };
  }

  async function expectDeliveredToMembersOnly(
    copies: { envelope: { to: string[] }; raw: Buffer }[],
    secrets: string[],
  ) {
    const listCopies = copies.filter((c) => !maintainerEmails.includes(c.envelope.to[0]));
    expect(
      listCopies
        .map((c) => c.envelope.to)
        .flat()
        .sort(),
    ).toEqual(members.map((m) => m.email).sort());
    for (const copy of copies) {
      // Invariant 1: no outgoing byte carries the plaintext, not even the subject.
      for (const secret of secrets) expect(copy.raw.toString('latin1')).not.toContain(secret);
      expect(copy.envelope.to).toHaveLength(1);
    }
    for (const member of members) {
      const copy = listCopies.find((c) => c.envelope.to[0] === member.email)!;
      const raw = copy.raw.toString('utf8');
      expect(raw).toMatch(/^List-Id: /im);
      expect(raw).toMatch(/^Subject: \.\.\.$/im);
      const opened = await member.decrypt(armoredPart(raw));
      expect(opened.good).toBe(true);
      expect(opened.recipients).toBe(1);
      const inner = await simpleParser(opened.plaintext!);
      expect(inner.subject).toBe(secrets[0]);
      const everything = [inner.text ?? '', ...(await nestedTexts(opened.plaintext!))].join('\n');
      expect(everything).toContain(secrets[1]);
      // Another member's key cannot open this copy.
      const other = members.find((m) => m !== member)!;
      expect((await other.decrypt(armoredPart(raw))).plaintext).toBeNull();
    }
  }

  async function nestedTexts(mime: Buffer): Promise<string[]> {
    const parsed = await simpleParser(mime);
    const texts: string[] = [];
    for (const att of parsed.attachments) {
      if (att.contentType === 'message/rfc822' || att.contentType.startsWith('multipart/')) {
        texts.push(...(await nestedTexts(att.content)));
      } else if (att.contentType.startsWith('text/')) {
        texts.push(att.content.toString('utf8'));
      }
    }
    return texts;
  }

  it('relays a PGP/MIME post made by gpg, with an attachment and non-ASCII text, to every active member', async () => {
    const subject = `Sicherheitslücke in libfoo ${randomUUID().slice(0, 8)}`;
    const body = 'Überlauf in parse_header(), Fix anbei. Embargo bis Dienstag.';
    const raw = await gpgPost({
      ...opts(subject, body),
      gpg,
      signerFingerprint: maintainerFpr,
      listFingerprint: listKey.getFingerprint(),
    });
    const { copies } = await relayPost(raw, subject);
    await expectDeliveredToMembersOnly(copies, [subject, body]);
  });

  it.each([
    [
      'inline PGP made by gpg',
      async (s: string, b: string) =>
        gpgPost({
          ...opts(s, b),
          gpg,
          signerFingerprint: maintainerFpr,
          listFingerprint: listKey.getFingerprint(),
          inline: true,
        }),
    ],
    [
      'a Thunderbird post with protected headers',
      async (s: string, b: string) => thunderbirdPost({ ...opts(s, b), signer: maintainerJs, listKey }),
    ],
    ['a mutt post', async (s: string, b: string) => muttPost({ ...opts(s, b), signer: maintainerJs, listKey })],
    [
      'an Evolution post (nested multipart/signed)',
      async (s: string, b: string) => evolutionPost({ ...opts(s, b), signer: maintainerJs, listKey }),
    ],
    [
      'inline PGP in quoted-printable ISO-8859-1',
      async (s: string, b: string) =>
        inlinePost({
          ...opts(s, b),
          attachments: [],
          signer: maintainerJs,
          listKey,
          transferEncoding: 'quoted-printable',
          charset: 'iso-8859-1',
        }),
    ],
  ])('relays %s', async (_name, make) => {
    const subject = `Advisory ${randomUUID().slice(0, 8)}`;
    const body = `Déjà vu: bug ${randomUUID().slice(0, 8)}`;
    const { copies } = await relayPost(await make(subject, body), subject);
    await expectDeliveredToMembersOnly(copies, [subject, body]);
  });

  it('relays a post made by sq (Sequoia)', async () => {
    const sqMaintainer = 'third@project.example';
    const cert = await sq.generateKey(sqMaintainer);
    await insertMaintainer(sqMaintainer, cert, (await readKey({ armoredKey: cert })).getFingerprint().toUpperCase());
    const subject = `sq advisory ${randomUUID().slice(0, 8)}`;
    const body = 'Made by Sequoia.';
    const raw = await sqPost({
      ...opts(subject, body),
      from: { name: 'Third', address: sqMaintainer },
      sq,
      signerEmail: sqMaintainer,
      listCert: listArmored,
    });
    const { copies } = await relayPost(raw, subject);
    await expectDeliveredToMembersOnly(copies, [subject, body]);
  });

  describe('refusals: nothing relayed, the maintainers told without content, the audit log records it', () => {
    it.each([
      ['a plaintext post', async (s: string, b: string) => plaintextPost(opts(s, b)), 'NOT_ENCRYPTED'],
      [
        'an unsigned encrypted post',
        async (s: string, b: string) => unsignedEncrypted({ ...opts(s, b), listKey }),
        'UNSIGNED',
      ],
      [
        'a post signed by a stranger',
        async (s: string, b: string) =>
          signedByStranger({
            ...opts(s, b),
            listKey,
            stranger: (await anOpenpgpKey('stranger@evil.example')).privateKey,
          }),
        'SIGNER_NOT_MAINTAINER',
      ],
    ])('refuses %s', async (_name, make, code) => {
      const subject = `Refuse me ${randomUUID().slice(0, 8)}`;
      const body = `secret ${randomUUID()}`;
      const before = relay.sink.received.length;
      await send(await make(subject, body));
      await relay.settle();
      const sent = relay.sink.received.slice(before);
      // Only the maintainers' refusal reports went out: none to a member.
      expect(sent.map((m) => m.envelope.to[0]).sort()).toEqual([...maintainerEmails].sort());
      for (const m of sent) {
        expect(m.raw.toString('latin1')).not.toContain(subject);
        expect(m.raw.toString('latin1')).not.toContain(body);
      }
      const [row] = await db().query(
        `SELECT status, refusal_code FROM inbound_message ORDER BY received_at DESC LIMIT 1`,
      );
      expect(row).toEqual({ status: 'refused', refusal_code: code });
      const [audit] = await db().query(
        `SELECT details FROM audit_entry WHERE action = 'post.refused' ORDER BY seq DESC LIMIT 1`,
      );
      expect(audit.details.code).toBe(code);
    });

    it('refuses a replay of a post already relayed', async () => {
      const subject = `Once only ${randomUUID().slice(0, 8)}`;
      const raw = await thunderbirdPost({ ...opts(subject, 'once'), signer: maintainerJs, listKey });
      const first = await relayPost(raw, subject);
      expect(first.copies.length).toBeGreaterThanOrEqual(members.length);
      const before = relay.sink.received.length;
      await send(raw);
      await relay.settle();
      const again = relay.sink.received.slice(before).map((m) => m.envelope.to[0]);
      expect(again.filter((to) => members.some((m) => m.email === to))).toEqual([]);
      const [row] = await db().query(`SELECT refusal_code FROM inbound_message ORDER BY received_at DESC LIMIT 1`);
      expect(row.refusal_code).toBe('REPLAYED');
    });
  });

  describe('a message the pipeline fails on', () => {
    afterEach(() => jest.restoreAllMocks());
    const failOnce = () =>
      jest.spyOn(OpenStage.prototype, 'run').mockImplementationOnce(() => Promise.reject(new Error('pipeline bug')));

    it('is left to its lease while the messages after it go on, and refused after five failed tries', async () => {
      const poison = await thunderbirdPost({
        ...opts(`Poison ${randomUUID().slice(0, 8)}`, 'p'),
        signer: maintainerJs,
        listKey,
      });
      const goodSubject = `After the poison ${randomUUID().slice(0, 8)}`;
      const good = await thunderbirdPost({ ...opts(goodSubject, 'fine'), signer: maintainerJs, listKey });
      failOnce();
      await send(poison);
      const before = relay.sink.received.length;
      await send(good);
      await relay.settle();
      // The good post, stored after the one that failed, was relayed in the same run.
      const relayed = relay.sink.received.slice(before).map((m) => m.envelope.to[0]);
      expect(relayed).toEqual(expect.arrayContaining(members.map((m) => m.email)));
      const [stuck] = await db().query(
        `SELECT id, status, attempts FROM inbound_message WHERE status NOT IN ('processed', 'refused')`,
      );
      expect(stuck).toMatchObject({ status: 'processing', attempts: 1 });

      // It fails four more times, each after its lease ran out; the sixth claim refuses it.
      const expire = () =>
        db().query(`UPDATE inbound_message SET lease_until = now() - interval '1 second' WHERE id = $1`, [stuck.id]);
      for (let attempt = 2; attempt <= MAX_INBOUND_ATTEMPTS; attempt++) {
        failOnce();
        await expire();
        await relay.settle();
        const [row] = await db().query(`SELECT status, attempts FROM inbound_message WHERE id = $1`, [stuck.id]);
        expect(row).toEqual({ status: 'processing', attempts: attempt });
      }
      const sentBefore = relay.sink.received.length;
      const run = jest.spyOn(OpenStage.prototype, 'run');
      run.mockClear();
      await expire();
      await relay.settle();
      expect(run).not.toHaveBeenCalled();
      const [row] = await db().query(`SELECT status, refusal_code FROM inbound_message WHERE id = $1`, [stuck.id]);
      expect(row).toEqual({ status: 'refused', refusal_code: 'UNPROCESSABLE' });
      const [audit] = await db().query(
        `SELECT details FROM audit_entry WHERE action = 'post.refused' AND subject = $1`,
        [`inbound_message:${stuck.id}`],
      );
      expect(audit.details.code).toBe('UNPROCESSABLE');
      // Only the maintainers are told; no member gets anything.
      const told = relay.sink.received.slice(sentBefore).map((m) => m.envelope.to[0]);
      expect(told.sort()).toEqual([...maintainerEmails].sort());
    });
  });

  it('shows per-post, per-member delivery status', async () => {
    const [post] = await db().query(`SELECT id FROM post ORDER BY created_at DESC LIMIT 1`);
    const rows = await db().query(
      `SELECT recipient, status, reason FROM post_delivery WHERE post_id = $1 ORDER BY recipient`,
      [post.id],
    );
    const byRecipient = Object.fromEntries(
      rows.map((r: { recipient: string; status: string }) => [r.recipient, r.status]),
    );
    for (const m of members) expect(byRecipient[m.email]).toBe('sent');
    expect(byRecipient['suspended@old.example']).toBeUndefined();
    expect(['held', 'skipped']).toContain(byRecipient['unacked@late.example']);
  });

  describe('the other list addresses', () => {
    it('forwards mail to -owner to each maintainer, decrypted from the list key and re-encrypted, never to members', async () => {
      const body = `A member writes ${randomUUID()}`;
      const raw = await unsignedEncrypted({
        ...opts('To the owners', body),
        from: { name: 'A', address: members[0].email },
        listKey,
      });
      const before = relay.sink.received.length;
      await send(raw, members[0].email, 'distributors-owner@example.org');
      await relay.settle();
      const sent = relay.sink.received.slice(before);
      expect(sent.map((m) => m.envelope.to[0]).sort()).toEqual([...maintainerEmails].sort());
      for (const m of sent) expect(m.raw.toString('latin1')).not.toContain(body);
      const mine = sent.find((m) => m.envelope.to[0] === MAINTAINER)!;
      const opened = await gpg.decrypt(armoredPart(mine.raw.toString('utf8')));
      expect(opened.goodSignature).toBe(true);
      expect(opened.plaintext.toString('utf8')).toContain('message/rfc822');
      expect(
        JSON.stringify((await simpleParser(opened.plaintext)).attachments.map((a) => a.content.toString())),
      ).toContain('A member writes');
    });

    it('answers -sendkey with the list public key, once a day per address', async () => {
      const asker = `asker-${randomUUID().slice(0, 6)}@outside.example`;
      const request = Buffer.from(
        `From: ${asker}\r\nTo: distributors-sendkey@example.org\r\nSubject: key please\r\n\r\nhi\r\n`,
      );
      const before = relay.sink.received.length;
      await send(request, asker, 'distributors-sendkey@example.org');
      await send(request, asker, 'distributors-sendkey@example.org');
      await relay.settle();
      const replies = relay.sink.received.slice(before).filter((m) => m.envelope.to[0] === asker);
      expect(replies).toHaveLength(1);
      const parsed = await simpleParser(replies[0].raw);
      const key = parsed.attachments.find((a) => a.contentType === 'application/pgp-keys')!;
      expect((await readKey({ armoredKey: key.content.toString() })).getFingerprint()).toBe(listKey.getFingerprint());
    });

    it('marks a copy failed when its VERP bounce address gets a bounce', async () => {
      await relayPost(
        await thunderbirdPost({ ...opts(`Bounce me ${randomUUID()}`, 'x'), signer: maintainerJs, listKey }),
        '',
      );
      const [copy] = await db().query(`SELECT id FROM post_delivery WHERE status = 'sent' LIMIT 1`);
      const dsn = Buffer.from(
        'From: MAILER-DAEMON@mx.example\r\nTo: distributors-bounces@example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n' +
          'Content-Type: text/plain\r\n\r\n550 5.1.1 user unknown\r\n',
      );
      await send(dsn, '', `distributors-bounces+${copy.id}@example.org`);
      await relay.settle();
      const [after] = await db().query(`SELECT status, reason FROM post_delivery WHERE id = $1`, [copy.id]);
      expect(after).toEqual({ status: 'failed', reason: 'bounced' });
    });
  });

  describe('member keys that expire', () => {
    it('skips a member whose key has expired, and tells the sending maintainer', async () => {
      const email = 'expired@distro-x.example';
      const home = GpgHome.create();
      try {
        const fpr = await home.generateKey(email, { expire: '1d', madeAt: '20200101T000000' });
        await insertMember(email, await home.exportPublic(fpr), fpr);
      } finally {
        await home.cleanup();
      }
      const subject = `After expiry ${randomUUID().slice(0, 8)}`;
      const { copies } = await relayPost(
        await thunderbirdPost({ ...opts(subject, 'x'), signer: maintainerJs, listKey }),
        subject,
      );
      expect(copies.some((c) => c.envelope.to[0] === email)).toBe(false);
      const [row] = await db().query(
        `SELECT d.status, d.reason FROM post_delivery d JOIN post p ON p.id = d.post_id
         WHERE d.recipient = $1 ORDER BY p.created_at DESC LIMIT 1`,
        [email],
      );
      expect(row).toEqual({ status: 'skipped', reason: 'key_expired' });
      const summary = copies.find((c) => c.envelope.to[0] === 'second@project.example');
      expect(summary).toBeDefined();
      await db().query(`UPDATE member SET status = 'removed' WHERE email = $1`, [email]);
    });

    it('warns a member 30 days before its key expires, once, encrypted, and tells the maintainers', async () => {
      const email = 'soon@distro-y.example';
      const key = await anOpenpgpKey(email);
      await insertMember(email, key.publicKey, key.fingerprint);
      await db().query(`UPDATE member SET key_expires_at = now() + interval '10 days' WHERE email = $1`, [email]);
      const warnings = relay.app.get(KeyExpiryWarnings);
      expect(await warnings.runOnce()).toBe(1);
      expect(await warnings.runOnce()).toBe(0);
      const before = relay.sink.received.length;
      await relay.settle();
      const sent = relay.sink.received.slice(before).map((m) => m.envelope.to[0]);
      expect(sent).toContain(email);
      expect(sent).toEqual(expect.arrayContaining(maintainerEmails));
      for (const m of relay.sink.received.slice(before)) expect(m.raw.toString()).toMatch(/multipart\/encrypted/);
      await db().query(`UPDATE member SET status = 'removed' WHERE email = $1`, [email]);
    });
  });
});
