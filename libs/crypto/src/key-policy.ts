import { config as openpgpDefaults, Config, enums, Key, PublicKey, readKeys, SignaturePacket, Subkey } from 'openpgp';
import { DomainError } from '@cordon/errors';
import { openpgpConfig } from './openpgp-config';

/** What Cordon shows about a key, and keeps. */
export interface KeyDetails {
  fingerprint: string;
  /** e.g. "EdDSA (Ed25519) with ECDH (Curve25519)" or "RSA 4096 with RSA 4096". */
  algorithm: string;
  /** When the key stops being usable for encryption (primary key or encryption subkey); null: never. */
  expiresAt: Date | null;
  userIds: string[];
  /** The public key, armored, as Cordon stores it (secret parts kept out). */
  armored: string;
}

export interface KeyPolicyOptions {
  /** The e-mail address one of the key's valid user IDs must carry. */
  requireAddress?: string;
  now?: Date;
  /** For the list's own key and imports: the input is expected to be a secret key. */
  allowSecret?: boolean;
}

const MIN_RSA_BITS = 3072;

/**
 * Curves OpenPGP.js 6 reads but cannot use in Node.js (it needs an optional module for them), so
 * every self-signature on such a key failed to verify and the key was refused as having "no
 * valid self-signature". Curve25519, NIST P-256/384/521 and Ed448/X448 work.
 */
const UNSUPPORTED_CURVES: ReadonlySet<string> = new Set([
  'brainpoolP256r1',
  'brainpoolP384r1',
  'brainpoolP512r1',
  'secp256k1',
]);
const WEAK_HASHES: ReadonlySet<number> = new Set([enums.hash.sha1, enums.hash.md5, enums.hash.ripemd]);

/**
 * The configuration for OpenPGP.js *methods* (`key.verifyPrimaryKey`, `key.armor`, …). Unlike the
 * top-level functions (`readKeys`, `encrypt`), they take a full configuration and do not merge a
 * partial one with the defaults: given `openpgpConfig` alone they fail on the missing settings
 * and every key looked as if it had no valid self-signature.
 */
export function fullOpenpgpConfig(): Config {
  return { ...openpgpDefaults, ...openpgpConfig } as Config;
}

/** Reads exactly one OpenPGP key from armored text or binary bytes. */
export async function readOneKey(input: string | Uint8Array): Promise<Key> {
  // readKeys reads only the first armor block and would silently drop a second key pasted after it.
  if (typeof input === 'string' && (input.match(/-----BEGIN PGP /g) ?? []).length > 1) {
    throw unreadable('Expected exactly one OpenPGP key, found several armored blocks. Export only your own key.');
  }
  let keys: Key[];
  try {
    keys =
      typeof input === 'string' && input.includes('-----BEGIN PGP')
        ? await readKeys({ armoredKeys: input, config: openpgpConfig })
        : await readKeys({
            binaryKeys: typeof input === 'string' ? Buffer.from(input, 'binary') : input,
            config: openpgpConfig,
          });
  } catch {
    throw unreadable('This is not an OpenPGP key we can read. Paste the output of `gpg --armor --export ADDRESS`.');
  }
  if (keys.length !== 1) {
    throw unreadable(`Expected exactly one OpenPGP key, found ${keys.length}. Export only your own key.`);
  }
  return keys[0];
}

/**
 * The key policy (issue 3): refuse keys that are expired, revoked, cannot encrypt, are weak
 * (RSA under 3072 bits, DSA/ElGamal) or rest on SHA-1 self-signatures, and, when asked, keys
 * without a user ID for the given address. Refusals say what to do, and never quote the key.
 */
export async function checkKey(key: Key, options: KeyPolicyOptions = {}): Promise<KeyDetails> {
  const now = options.now ?? new Date();
  const config = fullOpenpgpConfig();
  const fingerprint = key.getFingerprint().toUpperCase();
  if (key.isPrivate() && !options.allowSecret) {
    throw refusal(
      'KEY_IS_SECRET',
      'This is a secret key. Never share it: send only the public key (`gpg --armor --export ADDRESS`).',
    );
  }
  assertSupportedCurves(key);
  await verifyPrimaryKey(key, fingerprint, now, config);
  assertStrong(key.getAlgorithmInfo(), 'primary key');
  assertNoWeakHash((await key.getPrimaryUser(now, undefined, config)).selfCertification, fingerprint);
  const encryptionKey = await findEncryptionKey(key, fingerprint, now, config);
  if (encryptionKey instanceof Subkey) {
    assertStrong(encryptionKey.getAlgorithmInfo(), 'encryption subkey');
    const binding = latest(encryptionKey.bindingSignatures);
    if (binding) assertNoWeakHash(binding, fingerprint);
  }
  const userIds = await validUserIds(key, now, config);
  if (options.requireAddress) {
    const wanted = options.requireAddress.trim().toLowerCase();
    if (!userIds.some((uid) => addressOf(uid) === wanted)) {
      throw refusal(
        'KEY_NO_MATCHING_USER_ID',
        `The key has no valid user ID for ${options.requireAddress}. Add one (gpg --quick-add-uid) or use the key of that address.`,
      );
    }
  }
  const publicKey = key.isPrivate() ? key.toPublic() : (key as PublicKey);
  return {
    fingerprint,
    algorithm: describeAlgorithm(key, encryptionKey),
    expiresAt: await usableUntil(key, encryptionKey, config),
    userIds,
    armored: publicKey.armor(config),
  };
}

/** Parses and checks in one step: the usual entry point for keys that users give us. */
export async function inspectPublicKey(input: string | Uint8Array, options: KeyPolicyOptions = {}) {
  const key = await readOneKey(input);
  return { key, details: await checkKey(key, options) };
}

/**
 * OpenPGP.js reports what is wrong with a primary key only in its error message ("Primary key is
 * expired", "… is revoked"); a self-signature it will not verify (EdDSA over SHA-1 is refused
 * outright) shows up as "no valid self-signature", which we trace back to its hash.
 */
async function verifyPrimaryKey(key: Key, fingerprint: string, now: Date, config: Config): Promise<void> {
  try {
    await key.verifyPrimaryKey(now, undefined, config);
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if (/revoked/i.test(message)) {
      throw refusal('KEY_REVOKED', 'This key has been revoked by its owner. Send a current key.');
    }
    if (/expired/i.test(message)) {
      const at = await key.getExpirationTime(undefined, config).catch(() => null);
      throw expired(at instanceof Date ? at : null, fingerprint, await expiredSubkeys(key, now, config), 'key');
    }
    if (selfSignatures(key).some(usesWeakHash)) {
      throw sha1SelfSignature(fingerprint);
    }
    throw unreadable(
      'The key has no valid self-signature. Export it again from GnuPG (`gpg --armor --export ADDRESS`).',
    );
  }
}

async function findEncryptionKey(key: Key, fingerprint: string, now: Date, config: Config): Promise<Key | Subkey> {
  try {
    return await key.getEncryptionKey(undefined, now, undefined, config);
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if (/RSA keys shorter than/i.test(message)) throw weak(`The encryption subkey is RSA under ${MIN_RSA_BITS} bits.`);
    if (/Subkey is expired/i.test(message)) {
      const subkeys = await expiredSubkeys(key, now, config);
      throw expired(latestOf(subkeys.map((s) => s.at)), fingerprint, subkeys, 'subkey');
    }
    if (/hash algorithm/i.test(message)) throw sha1SelfSignature(fingerprint);
    throw refusal(
      'KEY_CANNOT_ENCRYPT',
      'This key has no valid encryption subkey, so mail to you could not be encrypted. ' +
        `Add one (\`gpg --quick-add-key ${fingerprint} cv25519 encr 2y\`) and export the key again.`,
    );
  }
}

/** The earlier of the primary key's and the encryption subkey's expiry: after it, we cannot write to the key. */
async function usableUntil(key: Key, encryptionKey: Key | Subkey, config: Config): Promise<Date | null> {
  const times = [await key.getExpirationTime(undefined, config)];
  if (encryptionKey instanceof Subkey) times.push(await encryptionKey.getExpirationTime(undefined, config));
  const dates = times.filter((t): t is Date => t instanceof Date);
  return dates.length ? new Date(Math.min(...dates.map((d) => d.getTime()))) : null;
}

interface ExpiredSubkey {
  fingerprint: string;
  at: Date;
}

async function expiredSubkeys(key: Key, now: Date, config: Config): Promise<ExpiredSubkey[]> {
  const found: ExpiredSubkey[] = [];
  for (const subkey of key.subkeys) {
    const at = await subkey.getExpirationTime(undefined, config).catch(() => null);
    if (at instanceof Date && at.getTime() <= now.getTime()) {
      found.push({ fingerprint: subkey.getFingerprint().toUpperCase(), at });
    }
  }
  return found;
}

function latestOf(dates: Date[]): Date | null {
  return dates.length ? new Date(Math.max(...dates.map((d) => d.getTime()))) : null;
}

function assertStrong(info: { algorithm: string; bits?: number }, which: string): void {
  const name = String(info.algorithm);
  if (name.startsWith('rsa') && (info.bits ?? 0) < MIN_RSA_BITS) {
    throw weak(`The ${which} is RSA ${info.bits ?? '?'}-bit.`);
  }
  if (name === 'dsa' || name === 'elgamal') {
    throw weak(`The ${which} uses ${name.toUpperCase()}, which is too weak today.`);
  }
}

/**
 * Checked before anything is verified, since verifying is what fails on these curves. Every subkey
 * counts, not only the one we would encrypt to: GnuPG signs with the newest signing subkey, and a
 * member's signed mail on such a curve could not be verified either.
 */
function assertSupportedCurves(key: Key): void {
  const parts = [
    { which: 'primary key', info: key.getAlgorithmInfo() as AlgorithmInfo },
    ...key.subkeys.map((subkey) => ({
      which: `subkey ${subkey.getFingerprint().toUpperCase()}`,
      info: subkey.getAlgorithmInfo() as AlgorithmInfo,
    })),
  ];
  const unsupported = parts.find((part) => part.info.curve && UNSUPPORTED_CURVES.has(part.info.curve));
  if (!unsupported) return;
  throw refusal(
    'KEY_UNSUPPORTED_CURVE',
    `The key's ${unsupported.which} uses the ${unsupported.info.curve} curve, which Cordon does not support. ` +
      'Use a key on Curve25519 (ed25519/cv25519: `gpg --quick-gen-key ADDRESS future-default default 2y`), ' +
      `NIST P-256, P-384 or P-521, or RSA of at least ${MIN_RSA_BITS} bits.`,
  );
}

function assertNoWeakHash(signature: SignaturePacket, fingerprint: string): void {
  if (usesWeakHash(signature)) throw sha1SelfSignature(fingerprint);
}

function usesWeakHash(signature: SignaturePacket): boolean {
  return signature.hashAlgorithm !== null && WEAK_HASHES.has(signature.hashAlgorithm);
}

function selfSignatures(key: Key): SignaturePacket[] {
  // Direct-key signatures are on every Key object, but not in OpenPGP.js's type declarations.
  const direct = (key as Key & { directSignatures?: SignaturePacket[] }).directSignatures ?? [];
  return [...direct, ...key.users.flatMap((user) => user.selfCertifications)];
}

function latest(signatures: SignaturePacket[]): SignaturePacket | undefined {
  return [...signatures].sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0))[0];
}

async function validUserIds(key: Key, now: Date, config: Config): Promise<string[]> {
  const ids: string[] = [];
  for (const user of key.users) {
    if (!user.userID) continue;
    try {
      await user.verify(now, config);
      ids.push(user.userID.userID);
    } catch {
      // revoked or unsigned user IDs do not count
    }
  }
  return ids;
}

/** The address in a user ID such as `Jane Doe <jane@example.org>`, lower-cased. */
export function addressOf(userId: string): string {
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(userId);
  return (angle ? angle[1] : userId.trim()).toLowerCase();
}

type AlgorithmInfo = { algorithm: string; bits?: number; curve?: string };

function describeAlgorithm(key: Key, encryptionKey: Key | Subkey): string {
  const label = (info: AlgorithmInfo) => {
    const a = String(info.algorithm);
    if (a.startsWith('rsa')) return `RSA ${info.bits}`;
    if (a === 'eddsaLegacy' || a === 'ed25519') return 'EdDSA (Ed25519)';
    if (a === 'ed448') return 'EdDSA (Ed448)';
    if (a === 'x25519') return 'X25519';
    if (a === 'x448') return 'X448';
    if (a === 'ecdh') return `ECDH (${/^curve25519/.test(info.curve ?? '') ? 'Curve25519' : info.curve})`;
    if (a === 'ecdsa') return `ECDSA (${info.curve})`;
    return a;
  };
  const primary = label(key.getAlgorithmInfo());
  return encryptionKey === key ? primary : `${primary} with ${label(encryptionKey.getAlgorithmInfo())}`;
}

function refusal(code: ConstructorParameters<typeof DomainError>[0], message: string): DomainError {
  return new DomainError(code, message, 'key');
}

function unreadable(message: string): DomainError {
  return refusal('KEY_UNREADABLE', message);
}

function weak(what: string): DomainError {
  return refusal(
    'KEY_WEAK',
    `${what} RSA keys need at least ${MIN_RSA_BITS} bits: make a new key (for example ed25519/cv25519).`,
  );
}

/**
 * GnuPG's `'*'` selects only subkeys that have not expired yet, so an expired subkey must be named
 * by its own fingerprint to be extended.
 */
function expired(at: Date | null, fingerprint: string, subkeys: ExpiredSubkey[], which: 'key' | 'subkey'): DomainError {
  const when = at ? ` on ${at.toISOString().slice(0, 10)}` : '';
  const what = which === 'key' ? 'This key' : "This key's encryption subkey";
  const commands = [
    ...(which === 'key' ? [`\`gpg --quick-set-expire ${fingerprint} 2y\``] : []),
    ...(subkeys.length
      ? [`\`gpg --quick-set-expire ${fingerprint} 2y ${subkeys.map((s) => s.fingerprint).join(' ')}\``]
      : []),
  ];
  return refusal(
    'KEY_EXPIRED',
    `${what} expired${when}. Extend it (${commands.join(' and ')}), export it again, or send a current key.`,
  );
}

/**
 * The fix re-signs in place and keeps the fingerprint, so nobody has to be told about a new key.
 * `--cert-digest-algo SHA256` is needed: GnuPG 2.2 re-signs an EdDSA key with the digest of the
 * signature it replaces, so `--quick-set-expire` alone makes a new SHA-1 self-signature.
 */
export function sha1SelfSignature(fingerprint: string, alternative = ''): DomainError {
  const resign = `gpg --cert-digest-algo SHA256 --quick-set-expire ${fingerprint} 0`;
  return refusal(
    'KEY_SHA1_SELF_SIGNATURE',
    "The key's self-signatures use SHA-1, which is broken. Re-sign them with SHA-256 (this keeps the fingerprint): " +
      `\`${resign}\` and \`${resign} '*'\`, then export the key again${alternative}.`,
  );
}
