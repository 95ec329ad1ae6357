/**
 * The world the fan-out tests share (test/fan-out.e2e.ts, test/fan-out-delivery.e2e.ts): on a real
 * database (embedded, or PostgreSQL with DATABASE_URL), members each with its own GnuPG, a sink for
 * the copies, and a post sealed once and fanned out to them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import MimeNode from 'nodemailer/lib/mime-node';
import { PrivateKey, PublicKey, readKey, SessionKey } from 'openpgp';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { Settings } from '@cordon/config';
import { ListKey, ServerSecret } from '@cordon/crypto';
import { MailTransport, SmtpTransport } from '@cordon/delivery';
import { Bans, ImportMember } from '@cordon/membership';
import { Database, openDatabase } from '@cordon/persistence';
import { Policies } from '@cordon/policy';
import { FanOut, fanOutEntities, Post, PostDeliveryWorker, sealPost } from '../../libs/relay/src/fan-out';
import { freshDatabaseLocation } from './database';
import { allEntities } from './entities';
import { GpgAlgo, GpgHome } from './gpg';
import { SqPeer } from './client-mail';
import { testAuditKey } from './audit';
import { anOpenpgpKey } from './keys';
import { testSettings } from './settings';
import { SmtpSink } from './smtp-sink';
import { wiredPolicies } from './wired-policies';

export const SUBJECT = 'Embargo: héap overflow in libwidget, CVE-2099-0001';
export const BODY = 'Patch attached. Do not share before 2099-01-01: secret-fix-token-42 ünïcode\r\n';
/** Pieces of the post that must never appear outside the encryption, in any encoding. */
export const SECRETS = ['CVE-2099-0001', 'libwidget', 'h=C3=A9ap', 'héap', 'secret-fix-token-42', 'Patch attached'];

export interface TestMember {
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
export function aPostEntity(subject = SUBJECT, body = BODY): Buffer {
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

export function armoredPart(raw: Buffer): string {
  const match = /-----BEGIN PGP MESSAGE-----\r\n[\s\S]+?-----END PGP MESSAGE-----\r\n/.exec(raw.toString('latin1'));
  if (!match) throw new Error('no armored OpenPGP message in the copy');
  return match[0];
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The test database, and how to remove it. */
export interface FanOutDatabase {
  database: Database;
  dataDir: string;
  databaseUrl?: string;
  remove(): Promise<void>;
}

/** What beforeAll makes: read it in the test file's own beforeAll (which runs after this one). */
export interface FanOutWorldState {
  db: FanOutDatabase;
  ds: DataSource;
  settings: Settings;
  smtp: SmtpTransport;
  /** The list key, which signs every copy. */
  signer: PrivateKey;
  listFingerprint: string;
  maintainerId: string;
  policies: Policies;
}

/**
 * A database with the list key, the policy and a maintainer, seven members whose keys gpg (ed25519
 * and RSA-3072), OpenPGP.js and Sequoia made, each with its own GnuPG home, and an SMTP sink; and
 * the helpers that seal, store and fan out a post and read its copies.
 */
export function fanOutWorld() {
  let db: FanOutDatabase;
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
    // By SQL: this world wires the libs by hand, without Nest, and AddMaintainer needs what its
    // module wires (the key claims of the libs above it); the relay's fan-out reads only the row.
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

  /**
   * Seals a post, stores it, fans it out to `to` (and records `skipped` as fan-out left them out);
   * returns the post id, its session key and what the fan-out queued.
   */
  async function aPost(
    to: TestMember[] = members,
    entity = aPostEntity(),
    skipped: Parameters<FanOut['enqueue']>[3] = [],
  ): Promise<{ postId: string; sessionKey: SessionKey; enqueued: Awaited<ReturnType<FanOut['enqueue']>> }> {
    const { sessionKey, bodyPackets } = await sealPost(entity, signer);
    const copies = await fanOut.keyPackets(
      sessionKey,
      to.map((m) => ({ memberId: m.id, email: m.email, key: m.key, fingerprint: m.fingerprint })),
    );
    const postId = randomUUID();
    const enqueued = await ds.transaction(async (manager) => {
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
      return fanOut.enqueue(manager, postId, copies, skipped);
    });
    return { postId, sessionKey, enqueued };
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

  return {
    members,
    audit,
    fanOut,
    sink,
    state: (): FanOutWorldState => ({ db, ds, settings, smtp, signer, listFingerprint, maintainerId, policies }),
    worker,
    aPost,
    rows,
    rowOf,
    auditOf,
    copiesOf,
    makeDue,
  };
}
