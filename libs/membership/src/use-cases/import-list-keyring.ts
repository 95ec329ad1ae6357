import { Key, PrivateKey, readKeys } from 'openpgp';
import { openpgpConfig } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';

/** The keys of an exported GnuPG keyring, by upper-case fingerprint. */
export interface Keyring {
  keys: Map<string, Key>;
  /** The fingerprints of the keys that came with their secret parts. */
  secret: string[];
}

const ARMOR_BLOCK = /-----BEGIN PGP (PUBLIC|PRIVATE) KEY BLOCK-----[\s\S]*?-----END PGP \1 KEY BLOCK-----/g;

/**
 * Reads what `gpg --export-secret-keys` and `gpg --export` write, binary or armored (`--armor`),
 * one file each or several concatenated in one file (`>>`). The same key may come twice, as the
 * list's key does (secret and public export): the secret one is kept.
 */
export async function readKeyring(inputs: { name: string; content: Uint8Array }[]): Promise<Keyring> {
  const keys = new Map<string, Key>();
  for (const { name, content } of inputs) {
    for (const key of await readFile(name, content)) {
      const fingerprint = key.getFingerprint().toUpperCase();
      const known = keys.get(fingerprint);
      if (!known || (key.isPrivate() && !known.isPrivate())) keys.set(fingerprint, key);
    }
  }
  if (keys.size === 0) {
    throw new DomainError('KEY_UNREADABLE', 'The keyring holds no OpenPGP key.', 'keyring');
  }
  const secret = [...keys].filter(([, key]) => key.isPrivate()).map(([fingerprint]) => fingerprint);
  return { keys, secret };
}

async function readFile(name: string, content: Uint8Array): Promise<Key[]> {
  const text = Buffer.from(content).toString('latin1');
  const blocks = text.match(ARMOR_BLOCK);
  if (blocks && /[^\t\n\r\x20-\x7e]/.test(text.replace(ARMOR_BLOCK, ''))) {
    // Binary keys beside armored ones would be skipped without a word: refuse instead.
    throw new DomainError(
      'KEY_UNREADABLE',
      `${name} mixes armored and binary keys: export every part with --armor, or every part without it.`,
      'keyring',
    );
  }
  try {
    if (blocks) {
      // readKeys reads only the first armor block of a text: read each one.
      const read = await Promise.all(blocks.map((armoredKeys) => readKeys({ armoredKeys, config: openpgpConfig })));
      return read.flat();
    }
    return await readKeys({ binaryKeys: content, config: openpgpConfig });
  } catch {
    throw new DomainError(
      'KEY_UNREADABLE',
      `${name} is not an OpenPGP keyring we can read. Export it with \`gpg --export-secret-keys LIST-FINGERPRINT\` and \`gpg --export\`.`,
      'keyring',
    );
  }
}

/** The list's secret key: the only one in the keyring, or the one the operator named. */
export function listSecretKey(keyring: Keyring, wanted?: string): PrivateKey {
  const fingerprint = wanted?.replace(/\s+/g, '').toUpperCase();
  if (fingerprint !== undefined) {
    if (!keyring.secret.includes(fingerprint)) {
      throw new DomainError('KEY_NOT_SECRET', `The keyring holds no secret key ${fingerprint}.`, 'keyring');
    }
    return keyring.keys.get(fingerprint) as PrivateKey;
  }
  if (keyring.secret.length === 1) return keyring.keys.get(keyring.secret[0]) as PrivateKey;
  throw new DomainError(
    'KEY_NOT_SECRET',
    keyring.secret.length === 0
      ? "The keyring holds no secret key: add the list's, `gpg --export-secret-keys LIST-FINGERPRINT`."
      : `The keyring holds ${keyring.secret.length} secret keys (${keyring.secret.join(', ')}): name the list's with --list-fingerprint.`,
    'keyring',
  );
}
