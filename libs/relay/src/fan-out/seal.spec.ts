import { randomBytes } from 'node:crypto';
import { decrypt, enums, generateKey, PrivateKey, readMessage, SessionKey } from 'openpgp';
import { openpgpConfig } from '@cordon/crypto';
import { anOpenpgpKey } from '../../../../test/support/keys';
import { keyPacketFor, sealPost } from './seal';

/** Opens `keyPacket || body` with `key` as a member's OpenPGP.js would, the list signature required. */
async function open(keyPacket: Uint8Array, body: Uint8Array, key: PrivateKey, signer: PrivateKey) {
  const message = await readMessage({ binaryMessage: Buffer.concat([keyPacket, body]) });
  const { data, signatures } = await decrypt({
    message,
    decryptionKeys: key,
    verificationKeys: signer.toPublic(),
    expectSigned: true,
    format: 'binary',
  });
  await signatures[0].verified;
  return Buffer.from(data);
}

describe('sealPost and keyPacketFor: encrypt once, one key packet per member', () => {
  const content = Buffer.concat([Buffer.from('Content-Type: text/plain\r\n\r\n'), randomBytes(70_000)]);
  let list: PrivateKey;
  let sealed: { sessionKey: SessionKey; bodyPackets: Uint8Array };

  beforeAll(async () => {
    list = (await anOpenpgpKey('distributors@example.org')).privateKey;
    sealed = await sealPost(content, list);
  });

  it('makes an AES-256 session key without AEAD, and a body of exactly one SEIPD v1 packet', async () => {
    expect(sealed.sessionKey).toMatchObject({ algorithm: 'aes256' });
    expect(sealed.sessionKey.aeadAlgorithm).toBeUndefined();
    const { packets } = await readMessage({ binaryMessage: sealed.bodyPackets });
    expect(packets.map((p) => (p.constructor as unknown as { tag: number }).tag)).toEqual([
      enums.packet.symEncryptedIntegrityProtectedData,
    ]);
    expect(Buffer.from(sealed.bodyPackets).includes(content.subarray(40, 80))).toBe(false);
  });

  it('wraps the session key natively for cv25519 keys: 96 bytes, fresh each time, opened by OpenPGP.js', async () => {
    for (let i = 0; i < 12; i++) {
      const member = await anOpenpgpKey(`member${i}@distro.example`);
      const packet = await keyPacketFor(sealed.sessionKey, member.privateKey.toPublic());
      expect(packet.length).toBe(96);
      const again = await keyPacketFor(sealed.sessionKey, member.privateKey.toPublic());
      expect(Buffer.from(again).equals(Buffer.from(packet))).toBe(false); // a new ephemeral key each time
      expect((await open(packet, sealed.bodyPackets, member.privateKey, list)).equals(content)).toBe(true);
    }
  });

  it('names only its own recipient, and another member cannot open it', async () => {
    const alice = await anOpenpgpKey('alice@distro.example');
    const bob = await anOpenpgpKey('bob@distro.example');
    const packet = await keyPacketFor(sealed.sessionKey, alice.privateKey.toPublic());
    const message = await readMessage({ binaryMessage: Buffer.concat([packet, sealed.bodyPackets]) });
    const subkey = await alice.privateKey.getEncryptionKey();
    expect(message.getEncryptionKeyIDs().map((id) => id.toHex())).toEqual([subkey.getKeyID().toHex()]);
    await expect(open(packet, sealed.bodyPackets, bob.privateKey, list)).rejects.toThrow();
  });

  it.each([
    ['RSA-3072', { type: 'rsa', rsaBits: 3072 }],
    ['RFC 9580 X25519 (v4 key)', { type: 'curve25519' }],
  ] as const)('falls back to OpenPGP.js for %s keys', async (_name, options) => {
    const { privateKey } = await generateKey({
      ...options,
      userIDs: [{ email: 'other@distro.example' }],
      format: 'object',
      config: openpgpConfig,
    });
    const packet = await keyPacketFor(sealed.sessionKey, privateKey.toPublic());
    expect((await open(packet, sealed.bodyPackets, privateKey, list)).equals(content)).toBe(true);
  });

  it('refuses a key that cannot encrypt now', async () => {
    const { privateKey } = await generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ email: 'expired@distro.example' }],
      date: new Date(Date.now() - 10 * 86_400_000),
      keyExpirationTime: 86_400,
      format: 'object',
      config: openpgpConfig,
    });
    await expect(keyPacketFor(sealed.sessionKey, privateKey.toPublic())).rejects.toThrow();
  });
});
