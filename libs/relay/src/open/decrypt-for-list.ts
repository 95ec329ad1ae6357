import {
  AnyPacket,
  decrypt,
  decryptSessionKeys,
  DecryptedSessionKey,
  DecryptMessageResult,
  enums,
  KeyID,
  Message,
  PacketList,
  PrivateKey,
  PublicKey,
  readMessage,
  SessionKey,
  unarmor,
} from 'openpgp';
import { fullOpenpgpConfig, MAX_DECOMPRESSED_BYTES, openpgpConfig } from '@cordon/crypto';
import { OpenContext } from './opened-post';
import { Encryption, malformed, notEncrypted, refusal } from './post-refusal';
import { refuseTooManySignatures, signerKeys, verificationDate } from './signer';

const ARMOR_BEGIN = '-----BEGIN PGP MESSAGE-----';

/**
 * Key packets (RFC 9580 §5.1, §5.3) a message may carry. A client writes one per recipient key
 * (Thunderbird and Evolution add the sender's own), so a post to the list and a few people is
 * well inside this; a thousand is an attack, since each may cost a private-key operation.
 */
export const MAX_KEY_PACKETS = 20;

/**
 * An OpenPGP message read from armored text (RFC 9580 §6.2) or binary packets. The key packets
 * at its head are counted from their headers before OpenPGP.js parses any of them, so a message
 * of a hundred thousand key packets is refused for the price of reading its bytes once.
 */
async function readOpenpgpMessage(bytes: Uint8Array): Promise<Message<Uint8Array>> {
  let binary: Uint8Array;
  try {
    const text = Buffer.from(bytes).toString('latin1');
    binary = text.includes(ARMOR_BEGIN) ? (await unarmor(text, fullOpenpgpConfig())).data : bytes;
  } catch {
    throw malformed('The encrypted part of the post is not a readable OpenPGP message');
  }
  refuseTooManyKeyPackets(leadingKeyPackets(binary));
  try {
    return await readMessage({ binaryMessage: binary, config: openpgpConfig });
  } catch {
    throw malformed('The encrypted part of the post is not a readable OpenPGP message');
  }
}

const PKESK = 1;
const SKESK = 3;
const MARKER = 10;

/**
 * How many key packets (tags 1 and 3) a message starts with, read from the packet headers alone
 * (RFC 9580 §4.2), skipping marker packets; it stops at the first other packet, or at anything it
 * does not read, which OpenPGP.js then judges.
 */
export function leadingKeyPackets(bytes: Uint8Array): number {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  let count = 0;
  while (at + 2 <= view.length) {
    const first = view[at];
    if ((first & 0x80) === 0) return count;
    let tag: number;
    let header: number;
    let length: number;
    if (first & 0x40) {
      tag = first & 0x3f;
      const octet = view[at + 1];
      if (octet < 192) [header, length] = [2, octet];
      else if (octet < 224) [header, length] = [3, ((octet - 192) << 8) + (view[at + 2] ?? 0) + 192];
      else if (octet === 255 && at + 6 <= view.length) [header, length] = [6, view.readUInt32BE(at + 2)];
      else return count; // a partial body length: data packets only (§4.2.1.4)
    } else {
      tag = (first >> 2) & 0x0f;
      const octets = [1, 2, 4][first & 3];
      if (!octets || at + 1 + octets > view.length) return count; // indeterminate length: data packets only
      [header, length] = [1 + octets, view.readUIntBE(at + 1, octets)];
    }
    if (tag !== PKESK && tag !== SKESK && tag !== MARKER) return count;
    if (tag !== MARKER) count += 1;
    at += header + length;
  }
  return count;
}

function refuseTooManyKeyPackets(count: number): void {
  if (count > MAX_KEY_PACKETS) {
    throw refusal(
      'TOO_MANY_KEY_PACKETS',
      `The post is encrypted to ${count} keys; Cordon reads at most ${MAX_KEY_PACKETS}. Encrypt it to the list key (and your own) and send it again.`,
    );
  }
}

export interface Decrypted {
  /** The literal data, exactly as signed (RFC 9580 §5.9). */
  data: Uint8Array;
  /** Signatures inside the encryption (RFC 9580 §10.3), not yet checked. */
  signatures: DecryptMessageResult['signatures'];
}

/**
 * Decrypts with the list key and reads the signatures, at a cost bounded before the costly part
 * (README "Bounded work per message"): anyone can encrypt to the list key, so
 * whatever a stranger sends is refused on the counts of its packets first. At most
 * MAX_KEY_PACKETS key packets are read, only those for the list key are decrypted, the first
 * session key that opens one is the only one tried on the body, and a body with more than
 * MAX_SIGNATURES (signer.ts) signatures is refused before any of them is checked.
 *
 * Signatures come back unchecked, so that the caller can tell an unsigned message (which may hold
 * a signed MIME entity, RFC 3156 §6.1) from one signed by a stranger or a bad signature;
 * `acceptSignatures` checks them.
 */
export async function decryptForList(bytes: Uint8Array, ctx: OpenContext, encryption: Encryption): Promise<Decrypted> {
  const date = verificationDate(ctx);
  const message = await readOpenpgpMessage(bytes);
  const sessionKey = await listSessionKey(message, ctx.listKey, date, encryption);
  // A first pass with no verification keys counts the signatures for the cost of one pass over
  // the body: OpenPGP.js hashes the body once per signature it can check, and only for those.
  const counted = await decryptBody(message, sessionKey, date, []);
  refuseTooManySignatures(counted.signatures.length);
  if (counted.signatures.length === 0) return counted;
  return decryptBody(await readOpenpgpMessage(bytes), sessionKey, date, signerKeys(ctx));
}

/**
 * Decrypts what was encrypted to the list key, with the same bounds on key packets, and without
 * checking signatures: for mail the list only passes on to its maintainers (`-owner`), and for
 * vulnerability reports (`-report`), whose signature is not asked for. `maxDecompressed` lowers
 * the bound on what compressed data may grow to (a report is at most REPORT_MAX_BYTES).
 */
export async function decryptWithListKey(
  bytes: Uint8Array,
  listKey: PrivateKey,
  now = new Date(),
  maxDecompressed = MAX_DECOMPRESSED_BYTES,
): Promise<Uint8Array> {
  const message = await readOpenpgpMessage(bytes);
  const sessionKey = await listSessionKey(message, listKey, now, 'required');
  return (await decryptBody(message, sessionKey, now, [], maxDecompressed)).data;
}

/**
 * The session key of a message for the list key, read from one key packet: the first for one of
 * the list's keys that decrypts. Packets for other keys are never touched; a wildcard key ID
 * (an anonymous recipient, gpg --throw-keyids) is tried only when no packet names the list key.
 */
async function listSessionKey(
  message: Message<Uint8Array>,
  listKey: PrivateKey,
  date: Date,
  encryption: Encryption,
): Promise<DecryptedSessionKey> {
  const encrypted = message.packets.filterByTag(
    enums.packet.symEncryptedIntegrityProtectedData,
    enums.packet.aeadEncryptedData,
    enums.packet.symmetricallyEncryptedData,
  );
  if (encrypted.length === 0) {
    throw notEncrypted(
      encryption,
      'The OpenPGP message in the post is not encrypted: list mail must be encrypted to the list key. Encrypt it and send it again.',
    );
  }
  if (encrypted.length > 1) throw malformed('The OpenPGP message holds more than one encrypted part');
  // Key packets anywhere else than at the head are counted here, once OpenPGP.js has read them.
  refuseTooManyKeyPackets(
    message.packets.filterByTag(enums.packet.publicKeyEncryptedSessionKey, enums.packet.symEncryptedSessionKey).length,
  );
  const ours = listKey.getKeys().map((key) => key.getKeyID());
  const forUs = (wildcard: boolean) =>
    message.packets.filterByTag(enums.packet.publicKeyEncryptedSessionKey).filter((packet) => {
      // The recipient's key ID is read from the packet, but not in OpenPGP.js's type declarations.
      const id = (packet as unknown as { publicKeyID: KeyID }).publicKeyID;
      return wildcard ? /^0{16}$/.test(id.toHex()) : ours.some((own) => own.equals(id));
    });
  const named = forUs(false);
  for (const packet of named.length ? named : forUs(true)) {
    try {
      const [sessionKey] = await decryptSessionKeys({
        message: new Message(packetList(packet)),
        decryptionKeys: listKey,
        date,
        config: openpgpConfig,
      });
      if (sessionKey) return sessionKey;
    } catch {
      // not this packet: a key ID anyone can write on a packet the list key cannot open
    }
  }
  throw notForListKey();
}

/** The body opened with one session key; the key packets are left out, so none is decrypted. */
async function decryptBody(
  message: Message<Uint8Array>,
  sessionKey: DecryptedSessionKey,
  date: Date,
  verificationKeys: PublicKey[],
  maxDecompressed = MAX_DECOMPRESSED_BYTES,
): Promise<Decrypted> {
  const body = message.packets.filterByTag(
    enums.packet.symEncryptedIntegrityProtectedData,
    enums.packet.aeadEncryptedData,
    enums.packet.symmetricallyEncryptedData,
  );
  try {
    const { data, signatures } = await decrypt({
      message: new Message(packetList(...body)),
      // The algorithm is null where the data packet names it (SEIPD v2, RFC 9580 §5.13.2), which
      // OpenPGP.js takes, though its declarations say otherwise.
      sessionKeys: sessionKey as SessionKey,
      verificationKeys,
      expectSigned: false,
      format: 'binary',
      date,
      config: { ...openpgpConfig, maxDecompressedMessageSize: Math.min(maxDecompressed, MAX_DECOMPRESSED_BYTES) },
    });
    return { data, signatures };
  } catch (error) {
    if (error instanceof Error && /decompressed/i.test(error.message)) {
      throw refusal(
        'TOO_LARGE',
        'The post decompresses to more than Cordon accepts. Send a smaller post, or put large files on a server and send a link.',
      );
    }
    throw notForListKey();
  }
}

function packetList(...packets: AnyPacket[]): PacketList<AnyPacket> {
  const list = new PacketList<AnyPacket>();
  list.push(...packets);
  return list;
}

const notForListKey = () =>
  refusal(
    'NOT_FOR_LIST_KEY',
    "The post cannot be decrypted with the list key: it is encrypted to other keys, or damaged. Fetch the list's current key from the -sendkey address, encrypt to it and send again.",
  );
