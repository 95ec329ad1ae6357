/**
 * The hostile and malformed shapes the relay must refuse (docs/architecture.md, "The relay as
 * stages"): plaintext, signed only, encrypted to the wrong key or unsigned, replayed, unterminated
 * or deeply nested MIME, and the messages that cost their reader work per packet. Each returns the
 * raw RFC 5322 message, CRLF, as it would arrive over SMTP; client-mail.ts re-exports them.
 */
import { randomBytes } from 'node:crypto';
import {
  armor,
  createMessage,
  decrypt,
  encrypt,
  encryptSessionKey,
  enums,
  Message,
  OnePassSignaturePacket,
  PacketList,
  SignaturePacket,
  type AnyPacket,
  PrivateKey,
  PublicKey,
  readMessage,
  sign,
} from 'openpgp';
import { openpgpConfig } from '@cordon/crypto';
import {
  base64Lines,
  clearsigned,
  crlf,
  detachedSignature,
  envelopeHeaders,
  multipartBody,
  multipartSigned,
  pgpMimeMessage,
  PostOptions,
  SignedPostOptions,
  textPart,
  thunderbirdPost,
  thunderbirdShape,
} from './mime-building';

/** A plain, unencrypted, unsigned mail. */
export function plaintextPost(opts: PostOptions): Buffer {
  const type = textPart(opts.text, 'quoted-printable', 'text/plain; charset=utf-8');
  return Buffer.from(`${envelopeHeaders(opts, opts.subject)}\r\n${type}`);
}

/** PGP/MIME signed but not encrypted (RFC 3156 §5): readable by anyone on the way. */
export async function signedOnlyPost(opts: PostOptions & { signer: PrivateKey }): Promise<Buffer> {
  const signed = Buffer.from(textPart(opts.text, 'quoted-printable', 'text/plain; charset=utf-8'));
  const entity = multipartSigned(signed, await detachedSignature(signed, opts.signer, opts.date));
  return Buffer.from(`${envelopeHeaders(opts, opts.subject)}\r\n${entity}`);
}

/** Inline cleartext signature (RFC 4880 §7), not encrypted. */
export async function cleartextSignedPost(opts: PostOptions & { signer: PrivateKey }): Promise<Buffer> {
  const armored = (await clearsigned(opts)).getText() as string;
  const type = 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit';
  return Buffer.from(`${envelopeHeaders(opts, opts.subject)}\r\n${type}\r\n\r\n${crlf(armored)}`);
}

/** An armored OpenPGP message that is signed but not encrypted (`gpg --sign --armor`), inline. */
export async function signedOnlyInlinePost(opts: PostOptions & { signer: PrivateKey }): Promise<Buffer> {
  const message = await createMessage({ text: crlf(opts.text) });
  const armored = await sign({ message, signingKeys: opts.signer, config: openpgpConfig });
  const type = 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit';
  return Buffer.from(`${envelopeHeaders(opts, opts.subject)}\r\n${type}\r\n\r\n${crlf(armored)}`);
}

/** Thunderbird's shape, encrypted to someone else's key (and the sender's), not the list's. */
export async function encryptedToOtherKey(
  opts: PostOptions & { signer: PrivateKey; otherKey: PublicKey },
): Promise<Buffer> {
  return thunderbirdShape(opts, opts.signer, [opts.otherKey, opts.signer.toPublic()]);
}

/** Thunderbird's shape, encrypted to the list key but not signed. */
export async function unsignedEncrypted(opts: PostOptions & { listKey: PublicKey }): Promise<Buffer> {
  return thunderbirdShape(opts, null, [opts.listKey]);
}

/** Thunderbird's shape, signed by a key that is not a maintainer's. */
export async function signedByStranger(
  opts: PostOptions & { stranger: PrivateKey; listKey: PublicKey },
): Promise<Buffer> {
  return thunderbirdPost({ ...opts, signer: opts.stranger });
}

/**
 * A replay: someone who could decrypt a maintainer's signed post (one of its other recipients)
 * takes the signed data and its signature and encrypts them again, to the list key, with a new
 * session key, the signature now in front of the data rather than one-pass (RFC 4880 §11.3
 * allows both). Every byte of the OpenPGP message differs; the signature is the same.
 */
export async function replayedPost(opts: { original: Buffer; heldKey: PrivateKey; listKey: PublicKey }) {
  const raw = opts.original.toString('latin1');
  const armored = /-----BEGIN PGP MESSAGE-----[^]*?-----END PGP MESSAGE-----/.exec(raw)?.[0];
  if (!armored) throw new Error('The original post has no armored OpenPGP message');
  const message = await readMessage({ armoredMessage: armored });
  const { data, signatures } = await decrypt({ message, decryptionKeys: opts.heldKey, format: 'binary' });
  const again = await encrypt({
    message: await createMessage({ binary: data }),
    signature: await signatures[0].signature,
    encryptionKeys: opts.listKey,
    config: openpgpConfig,
  });
  return Buffer.from(raw.replace(armored, crlf(again).trimEnd()), 'latin1');
}

/** A good Thunderbird post whose multipart/encrypted is never closed (RFC 2046 §5.1.1). */
export async function unterminatedBoundaryPost(opts: SignedPostOptions): Promise<Buffer> {
  const raw = (await thunderbirdPost(opts)).toString('latin1');
  return Buffer.from(raw.replace(/\r\n--[^\r\n]+--\r\n$/, '\r\n'), 'latin1');
}

/** `depth` multiparts nested in one another (signed and encrypted, or, with `plain`, as is). */
export async function deeplyNestedPost(opts: SignedPostOptions & { depth: number; plain?: boolean }): Promise<Buffer> {
  let entity = textPart(opts.text, 'quoted-printable', 'text/plain; charset=utf-8');
  for (let level = 0; level < opts.depth; level++) {
    const boundary = `nest-${level}`;
    entity = `Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n${multipartBody(boundary, [entity])}`;
  }
  if (opts.plain) return Buffer.from(`${envelopeHeaders(opts, opts.subject)}\r\n${entity}`);
  return thunderbirdShape(opts, opts.signer, [opts.listKey], Buffer.from(entity));
}

/**
 * A decompression bomb: `size` bytes of zeros (default 200 MiB) as a signed literal, zlib
 * compressed (RFC 4880 §5.6) to a few hundred KiB, then encrypted to the list key.
 */
export async function compressionBombPost(opts: SignedPostOptions & { size?: number }): Promise<Buffer> {
  const zeros = Buffer.alloc(opts.size ?? 200 * 1024 * 1024);
  const config = { ...openpgpConfig, preferredCompressionAlgorithm: enums.compression.zlib };
  return thunderbirdShape(opts, opts.signer, [opts.listKey], zeros, config);
}

/**
 * A message that costs its reader work per packet (the first attack of issue 10): a signed post
 * with a `bodyBytes` incompressible literal, encrypted to the list key, whose one real key
 * packet (RFC 9580 §5.1) stands behind `keyPackets - 1` more for the list key: each with its
 * own random session key (`distinct`), or copies of the real one (`copies`). A reader that
 * decrypts every packet and tries every session key on the body does quadratic work.
 */
export async function keyPacketFloodPost(
  opts: SignedPostOptions & {
    keyPackets: number;
    sessionKeys: 'distinct' | 'copies';
    bodyBytes?: number;
    /** Where the one real key packet stands: behind the others (the default), or before them. */
    real?: 'last' | 'first';
  },
): Promise<Buffer> {
  const sessionKey = { data: new Uint8Array(randomBytes(32)), algorithm: 'aes256' as const };
  const real = await encrypt({
    message: await createMessage({ binary: bulkyEntity(opts.bodyBytes) }),
    encryptionKeys: opts.listKey,
    signingKeys: opts.signer,
    sessionKey,
    format: 'binary',
    config: openpgpConfig,
  });
  const keyPacket = await encryptSessionKey({ ...sessionKey, encryptionKeys: opts.listKey, format: 'binary' });
  const more: Uint8Array[] = [];
  for (let i = 1; i < opts.keyPackets; i++) {
    more.push(
      opts.sessionKeys === 'copies'
        ? keyPacket
        : await encryptSessionKey({
            data: new Uint8Array(randomBytes(32)),
            algorithm: 'aes256',
            encryptionKeys: opts.listKey,
            format: 'binary',
          }),
    );
  }
  // First: a second packet for the real session key leads, and one of the others makes way for it.
  const packets = opts.real === 'first' ? [keyPacket, ...more.slice(1), real] : [...more, real];
  return armoredPgpMime(opts, Buffer.concat(packets));
}

/**
 * A post whose one literal carries `signatures` one-pass signatures (RFC 9580 §5.4), each a copy
 * of the maintainer's good one: a reader that hashes the body once per signature does
 * `signatures` times the work.
 */
export async function signatureFloodPost(opts: SignedPostOptions & { signatures: number; bodyBytes?: number }) {
  const body = new Uint8Array(bulkyEntity(opts.bodyBytes));
  const [literal] = (await createMessage({ binary: body })).packets;
  const detached = await sign({
    message: await createMessage({ binary: body }),
    signingKeys: opts.signer,
    detached: true,
    format: 'object',
    config: openpgpConfig,
  });
  const [signature] = detached.packets.filterByTag(enums.packet.signature) as unknown as SignaturePacket[];
  const packets = new PacketList<AnyPacket>();
  // fromSignaturePacket is in OpenPGP.js but not in its type declarations.
  const onePass = OnePassSignaturePacket as unknown as {
    fromSignaturePacket(signature: SignaturePacket, last: boolean): OnePassSignaturePacket;
  };
  for (let i = 0; i < opts.signatures; i++) packets.push(onePass.fromSignaturePacket(signature, i === 0));
  packets.push(literal);
  for (let i = 0; i < opts.signatures; i++) packets.push(signature);
  const encrypted = await encrypt({
    message: new Message(packets),
    encryptionKeys: opts.listKey,
    format: 'binary',
    config: openpgpConfig,
  });
  return armoredPgpMime(opts, encrypted);
}

/** A MIME entity of about `bytes` (default 4 MiB), base64 of random bytes, which nothing compresses. */
function bulkyEntity(bytes = 4 * 1024 * 1024): Buffer {
  const head = 'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n';
  return Buffer.from(`${head}${base64Lines(randomBytes(Math.floor((bytes * 3) / 4)))}\r\n`);
}

function armoredPgpMime(opts: PostOptions, binary: Uint8Array): Buffer {
  const headers = envelopeHeaders(opts, '...', ['User-Agent: Mozilla Thunderbird']);
  return pgpMimeMessage(headers, armor(enums.armor.message, binary), 'thunderbird');
}
