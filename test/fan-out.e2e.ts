/**
 * Fan-out and post delivery end to end (issue 4, "Fan-out" and "Delivery"): one post sealed once,
 * a key packet per member, copies assembled at send time and delivered over real SMTP to a sink,
 * each opened by that member's own GnuPG 2.2; on a real database (embedded, or PostgreSQL with
 * DATABASE_URL), with crashes, retries and racing workers.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simpleParser } from 'mailparser';
import MimeNode from 'nodemailer/lib/mime-node';
import { decrypt, PrivateKey, PublicKey, readKey, readMessage, SessionKey } from 'openpgp';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { Settings } from '@cordon/config';
import { ListKey, ServerSecret } from '@cordon/crypto';
import { MailTransport, SmtpTransport } from '@cordon/delivery';
import { HeldMail } from '@cordon/embargo';
import { Bans, ImportMember } from '@cordon/membership';
import { Database, openDatabase } from '@cordon/persistence';
import { Policies } from '@cordon/policy';
import {
  COPIES_IN_FLIGHT,
  FanOut,
  fanOutEntities,
  Post,
  PostDeliveryWorker,
  sealPost,
} from '../libs/relay/src/fan-out';
import { freshDatabaseLocation } from './support/database';
import { allEntities } from './support/entities';
import { GpgAlgo, GpgHome } from './support/gpg';
import { SqPeer } from './support/client-mail';
import { testAuditKey } from './support/audit';
import { anOpenpgpKey } from './support/keys';
import { testSettings } from './support/settings';
import { ReceivedMail, SmtpSink } from './support/smtp-sink';
import { wiredPolicies } from './support/wired-policies';

const SUBJECT = 'Embargo: héap overflow in libwidget, CVE-2099-0001';
const BODY = 'Patch attached. Do not share before 2099-01-01: secret-fix-token-42 ünïcode\r\n';
/** Pieces of the post that must never appear outside the encryption, in any encoding. */
const SECRETS = ['CVE-2099-0001', 'libwidget', 'h=C3=A9ap', 'héap', 'secret-fix-token-42', 'Patch attached'];

interface TestMember {
  id: string;
  email: string;
  key: PublicKey;
  fingerprint: string;
  /** The member's own GnuPG, holding its secret key and the list's public key. */
  gpg: GpgHome;
  /** For members whose key OpenPGP.js made: the secret key, to open copies with OpenPGP.js too. */
  secret?: PrivateKey;
  /** For the member whose key Sequoia made: its `sq`, to open copies with sq too. */
  sq?: SqPeer;
}

/** The maintainer's entity under protected headers, as the pipeline hands it to sealPost. */
function aPostEntity(subject = SUBJECT, body = BODY): Buffer {
  const boundary = `=-inner-${randomBytes(6).toString('hex')}`;
  return Buffer.from(
    [
      `Content-Type: multipart/mixed; protected-headers="v1";\r\n boundary="${boundary}"`,
      `Subject: ${MimeNode.encodeHeaderValue('Subject', subject)}`,
      'From: Alice Maintainer <alice@project.example>',
      'To: distributors@example.org',
      `Message-ID: <${randomUUID()}@project.example>`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      body,
      `--${boundary}--`,
      '',
    ].join('\r\n'),
    'utf8',
  );
}

function armoredPart(raw: Buffer): string {
  const match = /-----BEGIN PGP MESSAGE-----\r\n[\s\S]+?-----END PGP MESSAGE-----\r\n/.exec(raw.toString('latin1'));
  if (!match) throw new Error('no armored OpenPGP message in the copy');
  return match[0];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('fan-out: one sealed post, one key packet and one copy per member', () => {
  let db: { database: Database; dataDir: string; databaseUrl?: string; remove(): Promise<void> };
  let ds: DataSource;
  let settings: Settings;
  let smtp: SmtpTransport;
  let signer: PrivateKey;
  let listFingerprint: string;
  let maintainerId: string;
  const members: TestMember[] = [];
  const audit = new AuditLog(testAuditKey);
  const fanOut = new FanOut(audit);
  let policies: Policies;
  const sink = new SmtpSink();

  beforeAll(async () => {
    const location = await freshDatabaseLocation();
    const entities = [...new Set([...allEntities, ...fanOutEntities])];
    db = { ...location, database: await openDatabase({ ...location, entities }) };
    ds = db.database.dataSource;
    const port = await sink.start();
    settings = testSettings({ DATA_DIR: db.dataDir, OUTBOUND_SMTP_URL: `smtp://127.0.0.1:${port}` });
    smtp = new SmtpTransport(settings.OUTBOUND_SMTP_URL!);
    const listKey = new ListKey(ds, settings, ServerSecret.fromBytes(randomBytes(32)));
    listFingerprint = (await ds.transaction((m) => listKey.ensure(m))).fingerprint;
    signer = await listKey.secretKey();
    policies = wiredPolicies(ds, audit);
    await ds.transaction((m) => policies.ensurePublished(m, 'cli'));

    const maintainer = await anOpenpgpKey('alice@project.example', 'Alice Maintainer');
    maintainerId = randomUUID();
    await ds.query(
      `INSERT INTO maintainer (id, email, name, key_armored, key_fingerprint, status)
       VALUES ($1, 'alice@project.example', 'Alice Maintainer', $2, $3, 'active')`,
      [maintainerId, maintainer.publicKey, maintainer.fingerprint],
    );

    // Members as real distributors make their keys: gpg --quick-gen-key (ed25519/cv25519 and
    // RSA-3072), and OpenPGP.js (cv25519). Each has a GnuPG home of its own.
    const importMember = new ImportMember(ds, audit, policies, new Bans(audit));
    const listPublic = await listKey.armoredPublicKey();
    const enrol = async (email: string, armored: string, gpg: GpgHome, peers: Partial<TestMember> = {}) => {
      const member = await importMember.execute({ email, organisation: email, key: armored, acknowledged: true });
      await gpg.importKey(listPublic);
      const key = await readKey({ armoredKey: armored });
      members.push({ id: member.id, email, key, fingerprint: member.keyFingerprint, gpg, ...peers });
    };
    const algos: GpgAlgo[] = ['ed25519', 'ed25519', 'rsa3072', 'rsa3072'];
    await Promise.all(
      algos.map(async (algo, i) => {
        const gpg = GpgHome.create();
        const email = `security${i}@${algo}.example`;
        await enrol(email, await gpg.exportPublic(await gpg.generateKey(email, { algo })), gpg);
      }),
    );
    for (const email of ['team@js-one.example', 'team@js-two.example']) {
      const made = await anOpenpgpKey(email);
      const gpg = GpgHome.create();
      await gpg.importKey(made.privateKey.armor());
      await enrol(email, made.publicKey, gpg, { secret: made.privateKey });
    }
    const sq = SqPeer.create();
    const sqEmail = 'security@sequoia.example';
    const sqCert = await sq.generateKey(sqEmail);
    const sqGpg = GpgHome.create();
    await sqGpg.importKey(readFileSync(join(sq.dir, `${sqEmail}.key`)));
    await enrol(sqEmail, sqCert, sqGpg, { sq });
    members.sort((a, b) => a.email.localeCompare(b.email));
  }, 180_000);

  afterAll(async () => {
    await smtp?.close();
    await sink.stop();
    await Promise.all(members.map((m) => m.gpg.cleanup()));
    members.forEach((m) => m.sq?.cleanup());
    await db?.database.close();
    await db?.remove();
  });

  const worker = (transport: MailTransport = smtp, source = ds) =>
    new PostDeliveryWorker(source, settings, transport, audit, policies);

  /** Seals a post, stores it, fans it out to `to`; returns the post id and its session key. */
  async function aPost(
    to: TestMember[] = members,
    entity = aPostEntity(),
  ): Promise<{ postId: string; sessionKey: SessionKey }> {
    const { sessionKey, bodyPackets } = await sealPost(entity, signer);
    const copies = await fanOut.keyPackets(
      sessionKey,
      to.map((m) => ({ memberId: m.id, email: m.email, key: m.key, fingerprint: m.fingerprint })),
    );
    const postId = randomUUID();
    await ds.transaction(async (manager) => {
      await manager.insert(Post, {
        id: postId,
        inboundMessageId: randomUUID(),
        maintainerId,
        signatureDigest: randomBytes(32).toString('hex'),
        signedAt: new Date(),
        subjectSealed: null,
        bodyPackets: Buffer.from(bodyPackets),
        createdAt: new Date(),
      });
      await fanOut.enqueue(manager, postId, copies);
    });
    return { postId, sessionKey };
  }

  const rows = async (postId: string) =>
    (await ds.query(`SELECT * FROM post_delivery WHERE post_id = $1 ORDER BY recipient`, [postId])) as Record<
      string,
      unknown
    >[];
  const rowOf = async (postId: string, member: TestMember) =>
    (await rows(postId)).find((r) => r.member_id === member.id)!;
  /** The audit entries about one copy: its own, and the per-post "copies sent" entries naming it. */
  const auditOf = async (deliveryId: unknown) =>
    (await ds.query(
      `SELECT action, details FROM audit_entry
       WHERE subject = $1 OR (action = 'post.copies_sent' AND details->'deliveries' @> $2::jsonb) ORDER BY seq`,
      [`post_delivery:${deliveryId as string}`, JSON.stringify([{ id: deliveryId }])],
    )) as { action: string; details: Record<string, unknown> }[];
  const copiesOf = (deliveryIds: unknown[]) =>
    sink.received.filter((mail) => deliveryIds.some((id) => mail.raw.includes(`Message-ID: <${id as string}@`)));
  const makeDue = (postId: string) =>
    ds.query(
      `UPDATE post_delivery SET next_attempt_at = now() - interval '1 second', lease_until = NULL WHERE post_id = $1`,
      [postId],
    );

  describe('each copy', () => {
    let postId: string;
    const copies = new Map<string, ReceivedMail>();

    beforeAll(async () => {
      ({ postId } = await aPost());
      expect(await worker().drain()).toBe(members.length);
      for (const row of await rows(postId)) {
        const [copy] = copiesOf([row.id]);
        copies.set(row.member_id as string, copy);
      }
    }, 60_000);

    it('reaches every member once, with a VERP envelope sender naming the copy', async () => {
      for (const member of members) {
        const row = await rowOf(postId, member);
        expect(row).toMatchObject({ status: 'sent', attempts: 1, reason: null, last_error: null });
        expect(sink.to(member.email)).toHaveLength(1);
        expect(copies.get(member.id)!.envelope).toEqual({
          from: `distributors-bounces+${row.id as string}@example.org`,
          to: [member.email],
        });
        const entries = await auditOf(row.id);
        expect(entries.map((e) => e.action)).toEqual(['post.copies_sent']);
        expect(entries[0].details.deliveries).toContainEqual({ id: row.id, memberId: member.id, attempts: 1 });
      }
    });

    it("decrypts with that member's gpg alone, with a good list signature, to the protected subject and body", async () => {
      for (const [i, member] of members.entries()) {
        const armored = armoredPart(copies.get(member.id)!.raw);
        const opened = await member.gpg.decrypt(armored);
        expect(opened).toMatchObject({ decrypted: true, goodSignature: true, signerFingerprint: listFingerprint });
        expect(opened.recipients).toHaveLength(1);
        const inner = await simpleParser(opened.plaintext);
        expect(inner.subject).toBe(SUBJECT);
        expect(inner.from?.value[0]).toMatchObject({ name: 'Alice Maintainer', address: 'alice@project.example' });
        expect(inner.text?.replace(/\r\n/g, '\n')).toContain('secret-fix-token-42 ünïcode');
        expect(opened.plaintext.toString('latin1')).toMatch(/^Content-Type: multipart\/mixed; protected-headers="v1";/);
        // Another member's GnuPG cannot open it.
        const other = members[(i + 1) % members.length];
        expect(await other.gpg.decrypt(armored)).toMatchObject({ decrypted: false });
      }
    });

    it('carries exactly one key packet, for the member key alone', async () => {
      for (const member of members) {
        const packets = await member.gpg.listPackets(armoredPart(copies.get(member.id)!.raw));
        const keyPackets = packets.match(/^:pubkey enc packet:.*$/gm) ?? [];
        expect(keyPackets).toHaveLength(1);
        const subkey = await member.key.getEncryptionKey();
        expect(keyPackets[0]).toContain(`keyid ${subkey.getKeyID().toHex().toUpperCase()}`);
        expect(packets.match(/^:encrypted data packet:/gm)).toHaveLength(1);
      }
    });

    it('opens with OpenPGP.js too, for members whose client is OpenPGP.js', async () => {
      const listPublic = signer.toPublic();
      for (const member of members.filter((m) => m.secret)) {
        const { data, signatures } = await decrypt({
          message: await readMessage({ armoredMessage: armoredPart(copies.get(member.id)!.raw) }),
          decryptionKeys: member.secret!,
          verificationKeys: listPublic,
          expectSigned: true,
          format: 'binary',
        });
        await signatures[0].verified;
        expect((await simpleParser(Buffer.from(data))).subject).toBe(SUBJECT);
      }
    });

    it('opens with Sequoia (sq) too, with a good list signature', async () => {
      const listCert = signer.toPublic().armor();
      for (const member of members.filter((m) => m.sq)) {
        const dir = member.sq!.dir;
        writeFileSync(join(dir, 'list.cert'), listCert);
        writeFileSync(join(dir, 'copy.asc'), armoredPart(copies.get(member.id)!.raw));
        // sq 0.27 (Debian 12): the secret key file is --recipient-key; --signer-cert makes a good
        // signature by the list key a condition of success.
        const { stdout, stderr } = await promisify(execFile)(
          'sq',
          ['decrypt', '--recipient-key', `${member.email}.key`, '--signer-cert', 'list.cert', 'copy.asc'],
          { cwd: dir, encoding: 'buffer' },
        );
        expect(stderr.toString()).toMatch(/1 good signature/);
        expect((await simpleParser(stdout)).subject).toBe(SUBJECT);
      }
    });

    it('shows nothing of the subject or the body outside the encryption', () => {
      for (const copy of copies.values()) {
        const raw = copy.raw.toString('latin1');
        for (const secret of SECRETS) expect(raw.toLowerCase()).not.toContain(secret.toLowerCase());
        expect(raw).toMatch(/^Subject: \.\.\.$/m);
      }
    });

    it('is an RFC 3156 message with the list headers of RFC 2369 and 2919, and replies going to the owner', async () => {
      const member = members[0];
      const copy = copies.get(member.id)!;
      const row = await rowOf(postId, member);
      const parsed = await simpleParser(copy.raw);
      expect(parsed.headers.get('content-type')).toMatchObject({
        value: 'multipart/encrypted',
        params: { protocol: 'application/pgp-encrypted' },
      });
      expect(parsed.attachments.map((a) => a.contentType)).toEqual([
        'application/pgp-encrypted',
        'application/octet-stream',
      ]);
      expect(parsed.from?.value).toEqual([
        { name: 'Alice Maintainer via Embargoed distributors', address: 'distributors@example.org' },
      ]);
      expect(parsed.to).toMatchObject({ value: [{ address: member.email }] });
      expect(parsed.replyTo).toMatchObject({ value: [{ address: 'distributors-owner@example.org' }] });
      expect(parsed.messageId).toBe(`<${row.id as string}@example.org>`);
      const raw = copy.raw.toString('latin1');
      expect(raw).toMatch(/^List-Id: Embargoed distributors <distributors\.example\.org>$/m);
      expect(raw).toMatch(/^List-Post: NO$/m);
      expect(raw).toMatch(/^List-Owner: <mailto:distributors-owner@example\.org>$/m);
      expect(raw).toMatch(/^List-Help: <mailto:distributors-owner@example\.org\?subject=help>$/m);
      expect(raw).toMatch(/^Precedence: list$/m);
      expect(raw).not.toMatch(/^Auto-Submitted:/m);
      expect(raw).not.toMatch(/[^\r]\n/);
      expect(Math.max(...raw.split('\r\n').map((line) => line.length))).toBeLessThanOrEqual(78);
    });
  });

  it('fans out once: a second enqueue of the same post adds nothing', async () => {
    const { postId, sessionKey } = await aPost(members.slice(0, 2));
    const result = await ds.transaction((m) =>
      fanOut.enqueue(m, {
        postId,
        sessionKey,
        members: members.slice(0, 2).map((x) => ({ memberId: x.id, email: x.email, key: x.key })),
      }),
    );
    expect(result).toEqual({ queued: 0, held: 0, skipped: 0, existing: 2 });
    expect(await rows(postId)).toHaveLength(2);
  });

  it('records members skipped at fan-out with their reason, and never sends them anything', async () => {
    const [taken, left] = members;
    const { sessionKey, bodyPackets } = await sealPost(aPostEntity(), signer);
    const postId = randomUUID();
    const copies = await fanOut.keyPackets(sessionKey, [{ memberId: taken.id, email: taken.email, key: taken.key }]);
    await ds.transaction(async (manager) => {
      await manager.insert(Post, {
        id: postId,
        inboundMessageId: randomUUID(),
        maintainerId,
        signatureDigest: randomBytes(32).toString('hex'),
        signedAt: new Date(),
        subjectSealed: null,
        bodyPackets: Buffer.from(bodyPackets),
        createdAt: new Date(),
      });
      const result = await fanOut.enqueue(manager, postId, copies, [
        { memberId: left.id, email: left.email, reason: 'key_expired' },
      ]);
      expect(result).toEqual({ queued: 1, held: 0, skipped: 1, existing: 0 });
    });
    await worker().drain();
    const skipped = await rowOf(postId, left);
    expect(skipped).toMatchObject({ status: 'skipped', reason: 'key_expired', key_packet: null, attempts: 0 });
    expect(await rowOf(postId, taken)).toMatchObject({ status: 'sent' });
    expect(copiesOf([skipped.id])).toHaveLength(0);
  });

  describe('checks each member again just before sending (invariant 2)', () => {
    const target = () => members[members.length - 1];
    const restore = () =>
      ds.query(
        `UPDATE member SET status = 'active', key_expires_at = NULL, acknowledged_policy_version = 1,
         key_fingerprint = $2 WHERE id = $1`,
        [target().id, target().fingerprint],
      );
    afterEach(restore);

    it.each([
      ['refuses a copy to a member suspended after the fan-out', `status = 'suspended'`, 'skipped', 'member_suspended'],
      ['refuses a copy to a member removed after the fan-out', `status = 'removed'`, 'skipped', 'member_removed'],
      ['refuses a copy to a member banned after the fan-out', `status = 'banned'`, 'skipped', 'member_banned'],
      [
        'refuses a copy once the key has expired',
        `key_expires_at = now() - interval '1 hour'`,
        'skipped',
        'key_expired',
      ],
      [
        'refuses a copy the old key opens after the member changed its key',
        `key_fingerprint = 'ABCD'`,
        'skipped',
        'key_changed',
      ],
      [
        'holds a copy while the current policy is not acknowledged',
        'acknowledged_policy_version = NULL',
        'held',
        'policy_not_acknowledged',
      ],
    ])('%s', async (_name, change, status, reason) => {
      const { postId } = await aPost();
      await ds.query(`UPDATE member SET ${change} WHERE id = $1`, [target().id]);
      expect(await worker().drain()).toBe(members.length);
      const row = await rowOf(postId, target());
      expect(row).toMatchObject({ status, reason, attempts: 0, lease_until: null });
      expect(copiesOf([row.id])).toHaveLength(0);
      expect(await auditOf(row.id)).toEqual([
        { action: `post.copy_${status}`, details: { postId, memberId: target().id, reason } },
      ]);
      for (const other of members.slice(0, -1)) expect(await rowOf(postId, other)).toMatchObject({ status: 'sent' });
    });

    it('releases held copies once the member acknowledges, and then sends them', async () => {
      const { postId } = await aPost();
      await ds.query(`UPDATE member SET acknowledged_policy_version = NULL WHERE id = $1`, [target().id]);
      await worker().drain();
      expect(await rowOf(postId, target())).toMatchObject({ status: 'held' });
      await restore();
      // The earlier case left a held copy of its own post for this member: both go now.
      const { released } = await ds.transaction((m) => new HeldMail(audit).releaseFor(m, target().id));
      expect(released).toBeGreaterThanOrEqual(1);
      await worker().drain();
      const row = await rowOf(postId, target());
      expect(row).toMatchObject({ status: 'sent', reason: null, attempts: 1 });
      const opened = await target().gpg.decrypt(armoredPart(copiesOf([row.id])[0].raw));
      expect(opened).toMatchObject({ decrypted: true, goodSignature: true });
    });
  });

  describe('retries', () => {
    it('retries a copy the relay refused with 451, then delivers it', async () => {
      const member = members[1];
      sink.refuse(member.email, 451, 1);
      const { postId } = await aPost([member]);
      const before = Date.now();
      expect(await worker().runOnce()).toBe(1);
      const deferred = await rowOf(postId, member);
      expect(deferred).toMatchObject({ status: 'pending', attempts: 1, lease_until: null });
      expect(deferred.last_error).toMatch(/451/);
      const wait = (deferred.next_attempt_at as Date).getTime() - before;
      expect(wait).toBeGreaterThanOrEqual(55_000);
      expect(wait).toBeLessThan(70_000);
      expect(await worker().runOnce()).toBe(0); // not due yet
      await makeDue(postId);
      await worker().drain();
      expect(await rowOf(postId, member)).toMatchObject({ status: 'sent', attempts: 2 });
      expect(copiesOf([deferred.id])).toHaveLength(1);
      const entries = await auditOf(deferred.id);
      expect(entries.map((e) => e.action)).toEqual(['post.copy_deferred', 'post.copies_sent']);
      expect(entries[0].details).toMatchObject({ postId, memberId: member.id, attempts: 1, responseCode: 451 });
      expect(JSON.stringify(entries)).not.toMatch(/Mailbox busy/); // ids and codes only
    });

    it('marks a copy failed on a 550, without retrying', async () => {
      const member = members[2];
      sink.refuse(member.email, 550, 1);
      const { postId } = await aPost([member]);
      await worker().drain();
      await makeDue(postId);
      expect(await worker().runOnce()).toBe(0);
      const row = await rowOf(postId, member);
      expect(row).toMatchObject({ status: 'failed', reason: 'refused', attempts: 1 });
      expect((await auditOf(row.id)).map((e) => e.action)).toEqual(['post.copy_failed']);
    });

    it('gives up on a copy still refused three days after the post', async () => {
      const member = members[3];
      sink.refuse(member.email, 451);
      const { postId } = await aPost([member]);
      await ds.query(`UPDATE post SET created_at = now() - interval '3 days 1 minute' WHERE id = $1`, [postId]);
      await worker().drain();
      sink.refuse(member.email, 451, 0);
      expect(await rowOf(postId, member)).toMatchObject({ status: 'failed', reason: 'gave_up' });
    });
  });

  describe('crashes and concurrency', () => {
    it('delivers each copy once when two workers race for the queue', async () => {
      // On PostgreSQL the second worker has its own connection pool, as a second process would.
      const other = db.databaseUrl
        ? await openDatabase({
            databaseUrl: db.databaseUrl,
            dataDir: db.dataDir,
            entities: [...allEntities, ...fanOutEntities],
          })
        : undefined;
      try {
        const posts = [];
        for (let i = 0; i < 5; i++) posts.push((await aPost()).postId);
        const [a, b] = [worker(), worker(smtp, other?.dataSource ?? ds)];
        const claimed = (await Promise.all([a.drain(), b.drain(), a.drain(), b.drain()])).reduce((x, y) => x + y, 0);
        expect(claimed).toBe(posts.length * members.length);
        for (const postId of posts) {
          const ids = (await rows(postId)).map((r) => r.id);
          expect((await rows(postId)).every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
          for (const id of ids) expect(copiesOf([id])).toHaveLength(1);
        }
      } finally {
        await other?.close();
      }
    });

    it('wake() sends a new post at once instead of at the next poll', async () => {
      const polling = new PostDeliveryWorker(ds, { ...settings, DELIVERY_POLL_MS: 600_000 }, smtp, audit, policies);
      polling.start();
      await sleep(50); // its first run finds nothing; the next poll would be in ten minutes
      const { postId } = await aPost([members[0]]);
      polling.wake();
      const [row] = await rows(postId);
      for (let i = 0; i < 200 && copiesOf([row.id]).length === 0; i++) await sleep(10);
      await polling.stop();
      expect(copiesOf([row.id])).toHaveLength(1);
    });

    it('stops cleanly: the copies in flight finish, the others go back to the queue at once', async () => {
      const posts = [];
      for (let i = 0; i < 3; i++) posts.push((await aPost()).postId);
      const ids = (await Promise.all(posts.map(rows))).flat().map((r) => r.id as string);
      let started = 0;
      const slow = {
        deliver: async (mail: Parameters<MailTransport['deliver']>[0]) => {
          started += 1;
          await sleep(100);
          await smtp.deliver(mail);
        },
        close: async () => {},
      } as MailTransport;
      const polling = worker(slow);
      polling.start();
      for (let i = 0; i < 200 && started === 0; i++) await sleep(10);
      await polling.stop();
      const after = (await ds.query(`SELECT status, attempts, lease_until FROM post_delivery WHERE id = ANY($1)`, [
        ids,
      ])) as { status: string; attempts: number; lease_until: Date | null }[];
      const sent = after.filter((r) => r.status === 'sent');
      expect(sent.length).toBe(started);
      expect(sent.length).toBeLessThanOrEqual(COPIES_IN_FLIGHT);
      expect(after.filter((r) => r.status === 'pending')).toEqual(
        Array.from({ length: ids.length - sent.length }, () => ({ status: 'pending', attempts: 0, lease_until: null })),
      );
      await worker().drain();
      for (const id of ids) expect(copiesOf([id])).toHaveLength(1);
    });

    it('after a worker dies mid-send, resends at most the copies that were in flight, byte for byte', async () => {
      const posts = [];
      for (let i = 0; i < 4; i++) posts.push((await aPost()).postId);
      const ids = (await Promise.all(posts.map(rows))).flat().map((r) => r.id as string);
      // The relay accepts each copy, then the process "dies" before it hears back: a transport that
      // delivers and then never returns. The first few return, and are recorded, normally.
      let delivered = 0;
      const dying = {
        deliver: async (mail: Parameters<MailTransport['deliver']>[0]) => {
          await smtp.deliver(mail);
          if (++delivered > 3) await new Promise(() => {});
        },
        close: async () => {},
      } as MailTransport;
      void worker(dying).drain();
      const sent = async () =>
        Number(
          (await ds.query(`SELECT count(*) AS n FROM post_delivery WHERE id = ANY($1) AND status = 'sent'`, [ids]))[0]
            .n,
        );
      for (let i = 0; i < 200 && (delivered < 3 + COPIES_IN_FLIGHT || (await sent()) < 3); i++) await sleep(25);
      expect(await sent()).toBe(3);
      const firstCopies = new Map(
        copiesOf(ids).map((m) => [/Message-ID: <([^@]+)@/.exec(m.raw.toString('latin1'))![1], m.raw]),
      );
      expect(firstCopies.size).toBe(3 + COPIES_IN_FLIGHT);

      // Its leases run out; a new worker takes over. (That these queries run at all shows the dead
      // worker holds no transaction.)
      await ds.query(
        `UPDATE post_delivery SET lease_until = now() - interval '1 second' WHERE id = ANY($1) AND status = 'pending'`,
        [ids],
      );
      await worker().drain();
      const received = copiesOf(ids);
      const perCopy = new Map<string, Buffer[]>();
      for (const mail of received) {
        const id = /Message-ID: <([^@]+)@/.exec(mail.raw.toString('latin1'))![1];
        perCopy.set(id, [...(perCopy.get(id) ?? []), mail.raw]);
      }
      expect([...perCopy.keys()].sort()).toEqual([...ids].sort());
      const duplicated = [...perCopy].filter(([, raws]) => raws.length > 1);
      expect(duplicated.length).toBeLessThanOrEqual(COPIES_IN_FLIGHT);
      expect(duplicated.every(([, raws]) => raws.length === 2 && raws[0].equals(raws[1]))).toBe(true);
      expect(received.length).toBe(ids.length + duplicated.length);
      expect(
        Number(
          (await ds.query(`SELECT count(*) AS n FROM post_delivery WHERE id = ANY($1) AND status = 'sent'`, [ids]))[0]
            .n,
        ),
      ).toBe(ids.length);
    });
  });
});
