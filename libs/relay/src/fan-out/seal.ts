import {
  createCipheriv,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  KeyObject,
} from 'node:crypto';
import {
  createMessage,
  encrypt,
  encryptSessionKey,
  enums,
  generateSessionKey,
  PartialConfig,
  PrivateKey,
  PublicKey,
  readMessage,
  SessionKey,
  SymEncryptedIntegrityProtectedDataPacket,
} from 'openpgp';
import { EncryptionPacket, fullOpenpgpConfig, MemberKey, openpgpConfig } from '@cordon/crypto';

/**
 * "Encrypt once, wrap per member" (issue 4, "Fan-out"): the post is signed by the list key and
 * encrypted once, to a session key; each member's copy carries one key packet (PKESK) that opens
 * that session key with the member's key alone. Every copy shares the ciphertext, as the
 * recipients of one multi-recipient `gpg -e` message would, yet names only its own recipient.
 */

/**
 * SEIPD v1 with AES-256 (RFC 4880 §5.13), never the AEAD packets of RFC 9580 (GnuPG 2.2 reads none
 * of them), whatever the members' keys prefer: the session key is made with no key to consult.
 */
const SEAL_CONFIG: PartialConfig = {
  ...openpgpConfig,
  aeadProtect: false,
  preferredSymmetricAlgorithm: enums.symmetric.aes256,
  preferredCompressionAlgorithm: enums.compression.uncompressed,
};

export interface SealedPost {
  /** Kept in memory only while the post is fanned out; never stored. */
  sessionKey: SessionKey;
  /** The one SEIPD packet every copy shares (no key packet in front). */
  bodyPackets: Uint8Array;
}

/** Signs `content` (the inner MIME entity) with the list key and encrypts it once. */
export async function sealPost(content: Uint8Array, signer: PrivateKey, date = new Date()): Promise<SealedPost> {
  const sessionKey = await generateSessionKey({ encryptionKeys: [], date, config: SEAL_CONFIG });
  if (sessionKey.algorithm !== 'aes256' || sessionKey.aeadAlgorithm) {
    throw new Error(
      `Refusing a ${sessionKey.algorithm}/${sessionKey.aeadAlgorithm ?? '-'} session key: want AES-256, no AEAD`,
    );
  }
  // With a session key and neither keys nor passwords, OpenPGP.js writes no key packet at all.
  const bodyPackets = await encrypt({
    message: await createMessage({ binary: content, date }),
    sessionKey,
    signingKeys: signer,
    date,
    format: 'binary',
    config: SEAL_CONFIG,
  });
  const { packets } = await readMessage({ binaryMessage: bodyPackets, config: SEAL_CONFIG });
  if (packets.length !== 1 || !(packets[0] instanceof SymEncryptedIntegrityProtectedDataPacket)) {
    throw new Error('The sealed body is not exactly one SEIPD packet');
  }
  return { sessionKey, bodyPackets };
}

/**
 * One member's key packet: the post's session key encrypted to that member's encryption subkey,
 * valid at `date`. Throws (and the member gets no copy) when the key cannot encrypt. A MemberKey
 * (what the relay keeps of a member's key) is checked at `date` as the parsed key would be.
 */
export async function keyPacketFor(
  sessionKey: SessionKey,
  memberKey: PublicKey | MemberKey,
  date = new Date(),
): Promise<Uint8Array> {
  const packet =
    memberKey instanceof MemberKey
      ? await memberKey.encryptionPacketAt(date)
      : (await memberKey.getEncryptionKey(undefined, date, undefined, fullOpenpgpConfig())).keyPacket;
  const cv25519 = cv25519KeyPacket(sessionKey, packet);
  if (cv25519) return cv25519;
  const encryptionKeys = memberKey instanceof MemberKey ? await memberKey.parsed() : memberKey;
  return encryptSessionKey({ ...sessionKey, encryptionKeys, date, format: 'binary', config: SEAL_CONFIG });
}

// ECDH over Curve25519 as GnuPG makes it ("cv25519", RFC 9580 §11.5, the "Legacy" curve in OpenPGP.js).
const CV25519_OID = Buffer.from('0a2b060104019755010501', 'hex');
const KDF_HASHES = new Map([
  [enums.hash.sha256, 'sha256'],
  [enums.hash.sha384, 'sha384'],
  [enums.hash.sha512, 'sha512'],
]);
const KEY_WRAPS = new Map([
  [enums.symmetric.aes128, { cipher: 'id-aes128-wrap', keySize: 16 }],
  [enums.symmetric.aes192, { cipher: 'id-aes192-wrap', keySize: 24 }],
  [enums.symmetric.aes256, { cipher: 'id-aes256-wrap', keySize: 32 }],
]);
const KEY_WRAP_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex'); // RFC 3394 §2.2.3.1
const ANONYMOUS_SENDER = Buffer.from('Anonymous Sender    ', 'latin1');

interface EcdhParams {
  oid?: { write(): Uint8Array };
  Q?: Uint8Array;
  kdfParams?: { hash: number; cipher: number; write(): Uint8Array };
}

/** Member subkey packet → its point as a KeyObject: made once per key, kept as long as the key is. */
const recipientPoints = new WeakMap<object, KeyObject>();

const base64url = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');

/**
 * The PKESK for a v4 cv25519 subkey, computed with Node's native X25519, SHA-2 and AES key wrap
 * (about 0.1 ms) instead of OpenPGP.js's WebCrypto round trips (about 1 ms): at thousands of
 * members, that is the difference that matters. It follows RFC 9580 §5.1.6 and §11.5 to the byte
 * and is checked against GnuPG and OpenPGP.js in the tests. Null for any other kind of subkey,
 * which OpenPGP.js then wraps.
 */
function cv25519KeyPacket(sessionKey: SessionKey, packet: EncryptionPacket): Uint8Array | null {
  const { oid, Q, kdfParams } = packet.publicParams as EcdhParams;
  if (packet.algorithm !== enums.publicKey.ecdh || packet.version !== 4 || !oid || !Q || !kdfParams) return null;
  const curve = oid.write();
  const kdf = kdfParams.write();
  const hash = KDF_HASHES.get(kdfParams.hash);
  const wrap = KEY_WRAPS.get(kdfParams.cipher);
  const fingerprint = packet.getFingerprintBytes();
  if (!CV25519_OID.equals(curve) || Q.length !== 33 || Q[0] !== 0x40) return null;
  if (kdf.length !== 4 || kdf[0] !== 3 || kdf[1] !== 1 || !hash || !wrap || fingerprint?.length !== 20) return null;

  // Keys travel as JWK: OpenSSL's DER codecs cost ten times as much here (~150 µs a key).
  let recipient = recipientPoints.get(packet);
  if (!recipient) {
    recipient = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: base64url(Q.subarray(1)) }, format: 'jwk' });
    recipientPoints.set(packet, recipient);
  }
  // A fresh ephemeral key per packet, from the CSPRNG; OpenSSL refuses an all-zero shared secret
  // (a low-order point), so a hostile key cannot make the wrapping key predictable.
  const ephemeral = generateKeyPairSync('x25519');
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient });
  const ephemeralPoint = Buffer.from(ephemeral.publicKey.export({ format: 'jwk' }).x!, 'base64url');
  // RFC 9580 §11.5: Param = curve OID || algorithm || KDF params || "Anonymous Sender    " || fingerprint.
  const param = Buffer.concat([curve, Buffer.from([enums.publicKey.ecdh]), kdf, ANONYMOUS_SENDER, fingerprint]);
  const wrappingKey = createHash(hash)
    .update(Buffer.from([0, 0, 0, 1]))
    .update(shared)
    .update(param)
    .digest()
    .subarray(0, wrap.keySize);
  // RFC 9580 §5.1.6 (v3 PKESK): algorithm octet || session key || two-octet checksum, PKCS#5-padded.
  const key = Buffer.from(sessionKey.data);
  let checksum = 0;
  for (const byte of key) checksum = (checksum + byte) & 0xffff;
  const plain = Buffer.concat([
    Buffer.from([enums.symmetric[sessionKey.algorithm]]),
    key,
    Buffer.from([checksum >>> 8, checksum & 0xff]),
  ]);
  const pad = 8 - (plain.length % 8);
  const cipher = createCipheriv(wrap.cipher, wrappingKey, KEY_WRAP_IV);
  const wrapped = Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]);
  key.fill(0);
  plain.fill(0);
  const body = Buffer.concat([
    Buffer.from([3]),
    Buffer.from(packet.getKeyID().toHex(), 'hex'),
    Buffer.from([enums.publicKey.ecdh]),
    // MPI of the ephemeral point 0x40 || u: 263 significant bits.
    Buffer.from([0x01, 0x07, 0x40]),
    ephemeralPoint,
    Buffer.from([wrapped.length]),
    wrapped,
  ]);
  // New-format packet header, tag 1; the body is 94 octets, so a one-octet length (RFC 9580 §4.2.1).
  return Buffer.concat([Buffer.from([0xc0 | enums.packet.publicKeyEncryptedSessionKey, body.length]), body]);
}
