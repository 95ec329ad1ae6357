import { enums, PublicKey, SignaturePacket } from 'openpgp';
import { fullOpenpgpConfig, readOneKey } from './key-policy';

/** What a key can say against encrypting to it (the words stored for KEY_EXPIRED and KEY_UNUSABLE). */
export type KeyRefusal = 'key_expired' | 'key_unusable';

/** True when the key has a valid encryption subkey at `now`; otherwise why not. */
export async function canEncryptAt(key: PublicKey, now: Date): Promise<true | KeyRefusal> {
  try {
    await key.getEncryptionKey(undefined, now);
    return true;
  } catch {
    const expiry = await key.getExpirationTime().catch(() => null);
    return expiry instanceof Date && expiry.getTime() <= now.getTime() ? 'key_expired' : 'key_unusable';
  }
}

/** The key packet a post's session key is encrypted to (the encryption subkey's, or the primary's). */
export type EncryptionPacket = Awaited<ReturnType<PublicKey['getEncryptionKey']>>['keyPacket'];

interface Judged {
  verdict: true | KeyRefusal;
  packet: EncryptionPacket | null;
  /** Kept only for keys whose key packet OpenPGP.js makes (not cv25519): see `parsed()`. */
  parsed: PublicKey | null;
  /** The verdict holds for any date strictly between these (ms): no time the key names lies between. */
  after: number;
  before: number;
}

const CV25519_OID = '0a2b060104019755010501';

/**
 * A member's key as a running relay keeps it (issue 15): parsed and judged once, then only what the
 * fan-out needs — the verdict of `canEncryptAt`, the encryption subkey's packet (for cv25519, the
 * point the key packet is made to), and the armored text — rather than the parsed key with all its
 * user IDs and signatures (about 11 KB a key: 55 MiB at 5,000 members). The verdict stands between
 * the times the key names (creations, expiries, signature dates: the only instants at which
 * OpenPGP.js's answer can change); asked about a date outside them, the key is parsed and judged
 * again, so a key that expires or whose revocation takes effect while the process runs is refused
 * exactly as a freshly parsed one would be.
 */
export class MemberKey {
  private constructor(
    readonly armored: string,
    readonly fingerprint: string,
    private judged: Judged,
  ) {}

  /** Throws when the text is not one OpenPGP key (as `readOneKey`). */
  static async read(armored: string, now = new Date()): Promise<MemberKey> {
    const key = (await readOneKey(armored)) as PublicKey;
    return new MemberKey(armored, key.getFingerprint().toUpperCase(), await judge(key, now));
  }

  armor(): string {
    return this.armored;
  }

  /** As `canEncryptAt` on the parsed key. */
  async canEncryptAt(now: Date): Promise<true | KeyRefusal> {
    return (await this.at(now)).verdict;
  }

  /** The key packet to encrypt to at `date`; throws, as `getEncryptionKey` does, when there is none. */
  async encryptionPacketAt(date: Date): Promise<EncryptionPacket> {
    const { packet } = await this.at(date);
    if (!packet) throw new Error(`Key ${this.fingerprint} cannot be encrypted to at ${date.toISOString()}`);
    return packet;
  }

  /** The parsed key, for what only OpenPGP.js does (non-cv25519 key packets): kept, or read again. */
  async parsed(): Promise<PublicKey> {
    return this.judged.parsed ?? ((await readOneKey(this.armored)) as PublicKey);
  }

  private async at(date: Date): Promise<Judged> {
    const time = date.getTime();
    if (!(this.judged.after < time && time < this.judged.before)) {
      this.judged = await judge((await readOneKey(this.armored)) as PublicKey, date);
    }
    return this.judged;
  }
}

async function judge(key: PublicKey, now: Date): Promise<Judged> {
  const verdict = await canEncryptAt(key, now);
  // The packet as keyPacketFor has always asked for it (the full configuration), which may refuse more.
  const packet =
    verdict === true
      ? await key
          .getEncryptionKey(undefined, now, undefined, fullOpenpgpConfig())
          .then((subkey) => subkey.keyPacket)
          .catch(() => null)
      : null;
  const time = now.getTime();
  const times = timesNamedBy(key);
  // At an instant the key names, the answer may differ from either side of it: judged for that instant only.
  const exact = times.includes(time);
  return {
    verdict,
    packet,
    parsed: packet && !isCv25519(packet) ? key : null,
    after: exact ? time : Math.max(-Infinity, ...times.filter((t) => t < time)),
    before: exact ? time : Math.min(Infinity, ...times.filter((t) => t > time)),
  };
}

/** Every instant at which a date-dependent check of OpenPGP.js on this key can change its answer. */
function timesNamedBy(key: PublicKey): number[] {
  const times: number[] = [];
  const add = (date: Date | null | undefined) => {
    if (date instanceof Date && !Number.isNaN(date.getTime())) times.push(date.getTime());
  };
  const signatures = (created: Date, list: SignaturePacket[]) => {
    for (const signature of list) {
      add(signature.created);
      if (signature.created && signature.signatureExpirationTime) {
        add(new Date(signature.created.getTime() + signature.signatureExpirationTime * 1000));
      }
      if (signature.keyExpirationTime) add(new Date(created.getTime() + signature.keyExpirationTime * 1000));
    }
  };
  const primaryCreated = key.keyPacket.created;
  add(primaryCreated);
  signatures(primaryCreated, (key as { directSignatures?: SignaturePacket[] }).directSignatures ?? []);
  signatures(primaryCreated, key.revocationSignatures);
  for (const user of key.users) {
    signatures(primaryCreated, user.selfCertifications);
    signatures(primaryCreated, user.revocationSignatures);
  }
  for (const subkey of key.subkeys) {
    add(subkey.keyPacket.created);
    signatures(subkey.keyPacket.created, subkey.bindingSignatures);
    signatures(subkey.keyPacket.created, subkey.revocationSignatures);
  }
  return times;
}

function isCv25519(packet: EncryptionPacket): boolean {
  const { oid } = packet.publicParams as { oid?: { write(): Uint8Array } };
  return (
    packet.algorithm === enums.publicKey.ecdh &&
    packet.version === 4 &&
    !!oid &&
    Buffer.from(oid.write()).toString('hex') === CV25519_OID
  );
}
