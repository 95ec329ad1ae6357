/**
 * The world the relay's end-to-end tests share: a relay on a fresh database, a maintainer using
 * gpg and a second using OpenPGP.js, three members (gpg ed25519, gpg RSA, Sequoia) who must each
 * get the post, and three people who must not (an applicant, a suspended member, one who has not
 * acknowledged the policy); and the helpers that send to the list and check what came out.
 * Each test file gets its own (started in beforeAll, stopped in afterAll).
 */
import type { INestApplicationContext } from '@nestjs/common';
import { createTransport } from 'nodemailer';
import { simpleParser } from 'mailparser';
import { readKey, PrivateKey, PublicKey } from 'openpgp';
import { ListKey } from '@cordon/crypto';
import { SqPeer } from './client-mail';
import { domainBeside } from './domain-context';
import { aMaintainer, aMember, aSuspendedMember } from './factories';
import { GpgHome } from './gpg';
import { anOpenpgpKey } from './keys';
import { armoredPart } from './mailbox';
import { RunningRelay, startRelay } from './relay-app';

export const LIST = 'distributors@example.org';
export const MAINTAINER = 'lead@project.example';

interface TestMember {
  email: string;
  decrypt(armored: string): Promise<{ plaintext: Buffer | null; good: boolean; recipients: number }>;
}

/** What beforeAll makes: read it in the test file's own beforeAll (which runs after this one). */
export interface RelayWorldState {
  relay: RunningRelay;
  /** The maintainer's. */
  gpg: GpgHome;
  /** A member using Sequoia. */
  sq: SqPeer;
  listKey: PublicKey;
  listArmored: string;
  maintainerFpr: string;
  /** A second maintainer, whose client uses OpenPGP.js (Thunderbird's library). */
  maintainerJs: PrivateKey;
}

export function relayWorld() {
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

  let maintainersLib: Promise<INestApplicationContext> | undefined;

  /** A maintainer added as `cordon maintainer add` adds one, beside the relay (which has no maintainers lib). */
  async function addMaintainer(email: string, key: string): Promise<string> {
    maintainerEmails.push(email);
    maintainersLib ??= domainBeside(relay.runtime);
    return (await aMaintainer(await maintainersLib, { email, key })).maintainerId;
  }

  beforeAll(async () => {
    relay = await startRelay();
    gpg = GpgHome.create();
    sq = SqPeer.create();
    listArmored = await relay.app.get(ListKey).armoredPublicKey();
    listKey = await readKey({ armoredKey: listArmored });
    await gpg.importKey(listArmored);
    maintainerFpr = await gpg.generateKey(MAINTAINER);
    const maintainerId = await addMaintainer(MAINTAINER, await gpg.exportPublic(maintainerFpr));
    const js = await anOpenpgpKey('second@project.example', 'Second Maintainer');
    maintainerJs = js.privateKey;
    await addMaintainer('second@project.example', js.publicKey);

    for (const [email, algo] of [
      ['sec@distro-a.example', 'ed25519'],
      ['sec@distro-b.example', 'rsa3072'],
    ] as const) {
      const home = GpgHome.create();
      const fpr = await home.generateKey(email, { algo });
      await home.importKey(listArmored);
      await aMember(relay.app, { email, key: await home.exportPublic(fpr) });
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
    await aMember(relay.app, { email: sqEmail, key: cert });
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
      if (i === 1) {
        await aSuspendedMember(relay.app, { email, key: key.publicKey }, maintainerId);
        // The member is told it is suspended; that mail goes out now, not into a later test's count.
        await relay.settle();
      }
      if (i === 2) await aMember(relay.app, { email, key: key.publicKey, acknowledged: false });
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

  return {
    state: (): RelayWorldState => ({ relay, gpg, sq, listKey, listArmored, maintainerFpr, maintainerJs }),
    members,
    maintainerEmails,
    db,
    addMaintainer,
    send,
    opts,
    relayPost,
    expectDeliveredToMembersOnly,
  };
}
