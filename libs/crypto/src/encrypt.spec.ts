/**
 * What Cordon sends must open in the GnuPG 2.2 its members run, carry a good signature by the
 * list key, and name one recipient only (docs/architecture.md, invariant 1).
 */
import { readKey, readMessage } from 'openpgp';
import { GpgHome } from '../../../test/support/gpg';
import { anOpenpgpKey } from '../../../test/support/keys';
import { signAndEncrypt } from './encrypt';

let member: GpgHome;
let other: GpgHome;
const fpr: Record<string, string> = {};

beforeAll(async () => {
  member = GpgHome.create();
  other = GpgHome.create();
  fpr.ed25519 = await member.generateKey('member@example.org');
  fpr.rsa3072 = await member.generateKey('rsa-member@example.org', { algo: 'rsa3072' });
  fpr.other = await other.generateKey('other@example.org');
  const list = await anOpenpgpKey('distributors@example.org');
  await member.importKey(list.publicKey);
});

afterAll(async () => {
  await member.cleanup();
  await other.cleanup();
});

async function memberKey(which: string) {
  return readKey({ armoredKey: await member.exportPublic(fpr[which]) });
}

describe('signAndEncrypt', () => {
  it.each(['ed25519', 'rsa3072'])(
    'makes a message gpg decrypts for an %s member, signed by the list key',
    async (which) => {
      const list = await anOpenpgpKey('distributors@example.org');
      const armored = await signAndEncrypt('Embargoed until Tuesday.\n', await memberKey(which), list.privateKey);
      expect(armored).toMatch(/^-----BEGIN PGP MESSAGE-----/);
      const opened = await member.decrypt(armored);
      expect(opened.decrypted).toBe(true);
      expect(opened.goodSignature).toBe(true);
      expect(opened.signerFingerprint).toBe(list.fingerprint);
      expect(opened.plaintext.toString('utf8')).toBe('Embargoed until Tuesday.\n');
    },
  );

  it('keeps binary content byte for byte', async () => {
    const list = await anOpenpgpKey('distributors@example.org');
    const bytes = new Uint8Array(Array.from({ length: 1024 }, (_, i) => (i * 7) % 256));
    const opened = await member.decrypt(await signAndEncrypt(bytes, await memberKey('ed25519'), list.privateKey));
    expect(opened.goodSignature).toBe(true);
    expect(Buffer.compare(opened.plaintext, Buffer.from(bytes))).toBe(0);
  });

  it('names exactly one recipient: the member’s encryption subkey', async () => {
    const list = await anOpenpgpKey('distributors@example.org');
    const key = await memberKey('ed25519');
    const armored = await signAndEncrypt('hello', key, list.privateKey);
    const message = await readMessage({ armoredMessage: armored });
    const recipients = message.getEncryptionKeyIDs().map((id) => id.toHex().toUpperCase());
    const subkey = key.subkeys[0].getKeyID().toHex().toUpperCase();
    expect(recipients).toEqual([subkey]);
    // gpg agrees: one public-key encrypted session key packet, to that subkey.
    expect((await member.decrypt(armored)).recipients).toEqual([subkey]);
    expect((await member.listPackets(armored)).match(/:pubkey enc packet:/g)).toHaveLength(1);
  });

  it('cannot be read by anyone else, even another list member', async () => {
    const list = await anOpenpgpKey('distributors@example.org');
    const armored = await signAndEncrypt('secret', await memberKey('ed25519'), list.privateKey);
    const opened = await other.decrypt(armored);
    expect(opened.decrypted).toBe(false);
    expect(opened.plaintext).toHaveLength(0);
  });
});
