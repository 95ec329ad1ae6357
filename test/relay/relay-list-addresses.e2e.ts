/**
 * The relay's other addresses (-owner, -sendkey, VERP bounces), and members whose keys expire.
 */
import { randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { readKey, PrivateKey, PublicKey } from 'openpgp';
import { KeyExpiryWarnings } from '@cordon/relay';
import { GpgHome } from '../support/gpg';
import { anOpenpgpKey } from '../support/keys';
import { thunderbirdPost, unsignedEncrypted } from '../support/client-mail';
import { armoredPart } from '../support/mailbox';
import { aMember, aMemberWithExpiredKey } from '../support/factories';
import { relayWorld, MAINTAINER } from '../support/relay-world';
import { RunningRelay } from '../support/relay-app';

describe('the encrypted relay: other addresses and expiring keys', () => {
  const world = relayWorld();
  const { members, maintainerEmails, db, send, opts, relayPost } = world;
  let relay: RunningRelay;
  let gpg: GpgHome;
  let listKey: PublicKey;
  let maintainerJs: PrivateKey;
  beforeAll(() => {
    ({ relay, gpg, listKey, maintainerJs } = world.state());
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
      // The same key takes vulnerability reports, and the answer says where they go.
      expect(parsed.text).toContain('vulnerability report to\ndistributors-report@example.org');
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
        const fpr = await home.generateKey(email, { expire: 'seconds=8' });
        await aMemberWithExpiredKey(relay.app, { email, key: await home.exportPublic(fpr) });
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
      await aMember(relay.app, { email, key: key.publicKey });
      // Back-dated: a key due to expire in 10 days would have to be made 20 days before the test.
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
