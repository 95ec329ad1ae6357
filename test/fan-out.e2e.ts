/**
 * Fan-out end to end (issue 4, "Fan-out"): one post sealed once, a key packet per member, copies
 * assembled at send time and delivered over real SMTP to a sink, each opened by that member's own
 * GnuPG 2.2 (and OpenPGP.js, and Sequoia); a post fans out once, and skipped members get nothing.
 * Delivery (the check before sending, retries, crashes, racing workers): fan-out-delivery.e2e.ts.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simpleParser } from 'mailparser';
import { decrypt, PrivateKey, readMessage } from 'openpgp';
import { DataSource } from 'typeorm';
import { ReceivedMail } from './support/smtp-sink';
import { SUBJECT, SECRETS, aPostEntity, armoredPart, fanOutWorld } from './support/fan-out-world';

describe('fan-out: one sealed post, one key packet and one copy per member', () => {
  const world = fanOutWorld();
  const { members, fanOut, sink, worker, aPost, rows, rowOf, auditOf, copiesOf } = world;
  let ds: DataSource;
  let signer: PrivateKey;
  let listFingerprint: string;

  beforeAll(() => {
    ({ ds, signer, listFingerprint } = world.state());
  });

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
    const { postId, enqueued } = await aPost([taken], aPostEntity(), [
      { memberId: left.id, email: left.email, reason: 'key_expired' },
    ]);
    expect(enqueued).toEqual({ queued: 1, held: 0, skipped: 1, existing: 0 });
    await worker().drain();
    const skipped = await rowOf(postId, left);
    expect(skipped).toMatchObject({ status: 'skipped', reason: 'key_expired', key_packet: null, attempts: 0 });
    expect(await rowOf(postId, taken)).toMatchObject({ status: 'sent' });
    expect(copiesOf([skipped.id])).toHaveLength(0);
  });
});
