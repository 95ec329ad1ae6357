/**
 * The pre-flight summary (issue 6, "Watch it"): when a post is accepted, the sending maintainer is
 * told, encrypted to its key, who the post goes to, for whom it is held and who is skipped and
 * why; a member who is not active is not named. Real SMTP ingress, real gpg on both ends.
 */
import { randomUUID } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { simpleParser } from 'mailparser';
import { readKey } from 'openpgp';
import { ListKey } from '@cordon/crypto';
import { PREFLIGHT_LIST_MAX, RelayNotices } from '../../libs/relay/src/notices/relay-notices';
import { gpgPost } from '../support/client-mail';
import { domainBeside } from '../support/domain-context';
import { aMaintainer, aMember, aMemberWithExpiredKey, aSuspendedMember } from '../support/factories';
import { GpgHome } from '../support/gpg';
import { anOpenpgpKey } from '../support/keys';
import { armoredPart } from '../support/mailbox';
import { RunningRelay, startRelay } from '../support/relay-app';

const LIST = 'distributors@example.org';
const MAINTAINER = 'lead@project.example';

interface Person {
  id: string;
  email: string;
  gpg: GpgHome;
  fingerprint: string;
}

describe('the pre-flight summary to the sending maintainer', () => {
  let relay: RunningRelay;
  let maintainer: Person;
  let listFpr: string;
  const people: Person[] = [];
  const db = () => relay.runtime.database.dataSource;

  /** `expire` in GnuPG's syntax ('seconds=8'); default: never. */
  async function person(email: string, expire?: string): Promise<Person> {
    const gpg = GpgHome.create();
    const fingerprint = await gpg.generateKey(email, { expire });
    const p = { id: randomUUID(), email, gpg, fingerprint };
    people.push(p);
    return p;
  }

  async function memberSpec(p: Person, acknowledged = true) {
    return {
      email: p.email,
      key: await p.gpg.exportPublic(p.fingerprint),
      organisation: `Org ${p.email.split('@')[1]}`,
      acknowledged,
    };
  }

  /** What the maintainer's gpg reads in the mail it got since `before`. */
  async function maintainerReads(before: number) {
    const mails = relay.sink.received.slice(before).filter((m) => m.envelope.to[0] === MAINTAINER);
    return Promise.all(
      mails.map(async (mail) => {
        const raw = mail.raw.toString('utf8');
        const opened = await maintainer.gpg.decrypt(armoredPart(raw));
        expect(opened.decrypted).toBe(true);
        expect(opened.goodSignature).toBe(true);
        expect(opened.signerFingerprint).toBe(listFpr);
        const inner = await simpleParser(opened.plaintext);
        return { raw, subject: inner.subject ?? '', text: inner.text ?? '' };
      }),
    );
  }

  beforeAll(async () => {
    relay = await startRelay();
    const listArmored = await relay.app.get(ListKey).armoredPublicKey();
    listFpr = (await readKey({ armoredKey: listArmored })).getFingerprint().toUpperCase();
    maintainer = await person(MAINTAINER);
    await maintainer.gpg.importKey(listArmored);
    const key = await maintainer.gpg.exportPublic(maintainer.fingerprint);
    maintainer.id = (await aMaintainer(await domainBeside(relay.runtime), { email: MAINTAINER, key })).maintainerId;
  });

  afterAll(async () => {
    await relay?.close();
    for (const p of people) await p.gpg.cleanup();
  });

  it('names who gets the post, for whom it is held, who is skipped and why, and no one else', async () => {
    const a = await person('sec@alpha.example');
    const b = await person('sec@beta.example');
    const late = await person('sec@late.example');
    const expired = await person('sec@expired.example', 'seconds=8');
    const suspended = await person('sec@suspended.example');
    await aMember(relay.app, await memberSpec(a));
    await aMember(relay.app, await memberSpec(b));
    await aMember(relay.app, await memberSpec(late, false));
    await aSuspendedMember(relay.app, await memberSpec(suspended), maintainer.id);
    await aMemberWithExpiredKey(relay.app, await memberSpec(expired));
    // The suspended member is told so by mail; it goes out now, not among the post's.
    await relay.settle();
    const subject = `Buffer overflow in libfoo ${randomUUID().slice(0, 8)}`;
    const raw = await gpgPost({
      from: { name: 'Lea Lead', address: MAINTAINER },
      to: LIST,
      subject,
      text: 'Details inside.',
      gpg: maintainer.gpg,
      signerFingerprint: maintainer.fingerprint,
      listFingerprint: listFpr,
    });
    const before = relay.sink.received.length;
    const transport = createTransport({ host: '127.0.0.1', port: relay.smtpPort, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from: MAINTAINER, to: [LIST] }, raw });
    } finally {
      transport.close();
    }
    await relay.settle();

    const [summary, ...more] = await maintainerReads(before);
    expect(more).toHaveLength(0);
    // The subject is inside the encryption only (protected headers).
    expect(summary.subject).toBe(`Pre-flight: ${subject}`);
    expect(summary.raw).not.toContain(subject);
    const [postId] = ((await db().query('SELECT id FROM post')) as { id: string }[]).map((r) => r.id);
    const sections = summary.text.split(/\n\n/);
    const going = sections.find((s) => s.startsWith('Going to'))!;
    expect(going).toBe(
      ['Going to 2 member(s):', `  - Org alpha.example <${a.email}>`, `  - Org beta.example <${b.email}>`].join('\n'),
    );
    const held = sections.find((s) => s.startsWith('Held for'))!;
    expect(held).toMatch(/^Held for 1 member\(s\) who have not acknowledged the current Embargo Policy/);
    expect(held).toContain(`  - Org late.example <${late.email}>`);
    const skipped = sections.find((s) => s.startsWith('Not sent to'))!;
    expect(skipped).toBe(
      ['Not sent to 1 member(s):', `  - Org expired.example <${expired.email}>: key has expired`].join('\n'),
    );
    expect(summary.text).not.toContain(suspended.email);
    expect(summary.text).toContain(`/admin/posts/${postId}`);
    // What it says is what was queued, and what went out.
    const copies = (await db().query(
      'SELECT recipient, status FROM post_delivery WHERE post_id = $1 ORDER BY recipient',
      [postId],
    )) as { recipient: string; status: string }[];
    expect(copies).toEqual([
      { recipient: a.email, status: 'sent' },
      { recipient: b.email, status: 'sent' },
      { recipient: expired.email, status: 'skipped' },
      { recipient: late.email, status: 'held' },
    ]);
  });

  it(`gives the count, not the addresses, beyond ${PREFLIGHT_LIST_MAX} recipients`, async () => {
    const postId = randomUUID();
    const many = PREFLIGHT_LIST_MAX + 1;
    for (let n = 1; n <= many; n++) {
      const email = `sec${n}@many.example`;
      await aMember(relay.app, { email, key: (await anOpenpgpKey(email)).publicKey, organisation: `Many ${n}` });
    }
    // By SQL: a post with a copy queued for each of them, without the relay encrypting one for each.
    await db().transaction(async (manager) => {
      await manager.query(
        `INSERT INTO post (id, inbound_message_id, maintainer_id, signature_digest, body_packets)
         VALUES ($1, $2, $3, $4, '\\x00')`,
        [postId, randomUUID(), maintainer.id, `digest-${postId}`],
      );
      await manager.query(
        `INSERT INTO post_delivery (id, post_id, member_id, recipient, key_packet, status)
         SELECT gen_random_uuid(), $1, id, email, '\\x00', 'pending' FROM member WHERE email LIKE '%@many.example'`,
        [postId],
      );
      await relay.app.get(RelayNotices, { strict: false }).accepted(manager, {
        maintainerId: maintainer.id,
        subject: 'Many',
        postId,
      });
      // Not to be delivered: the copies hold no real key packet.
      await manager.query(`UPDATE post_delivery SET status = 'skipped', reason = 'test' WHERE post_id = $1`, [postId]);
    });
    const before = relay.sink.received.length;
    await relay.settle();
    const [summary] = await maintainerReads(before);
    expect(summary.text).toContain(
      `Going to ${many} member(s):\n  (more than ${PREFLIGHT_LIST_MAX}: the list is on the post's page)`,
    );
    expect(summary.text).not.toContain('@many.example');
    expect(summary.text).toContain(`/admin/posts/${postId}`);
  });
});
