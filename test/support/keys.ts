/**
 * OpenPGP.js test keys: EdDSA/cv25519 "curve25519Legacy", the v4 kind GnuPG 2.2 reads
 * (docs/architecture.md, "Toolchain notes"). Made once per email per test file and cached: generation is cheap, but a
 * test that asks twice for the same person should get the same key.
 */
import { generateKey, PrivateKey } from 'openpgp';
import { openpgpConfig } from '@cordon/crypto';

export interface TestKey {
  /** Decrypted, ready to sign and decrypt. */
  privateKey: PrivateKey;
  /** Armored public key, as a member would paste it. */
  publicKey: string;
  /** Uppercase hex, as Cordon stores fingerprints. */
  fingerprint: string;
}

const made = new Map<string, Promise<TestKey>>();

export function anOpenpgpKey(email: string, name = 'Test'): Promise<TestKey> {
  let key = made.get(email);
  if (!key) {
    key = generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ name, email }],
      format: 'object',
      config: openpgpConfig,
    }).then(({ privateKey, publicKey }) => ({
      privateKey,
      publicKey: publicKey.armor(),
      fingerprint: privateKey.getFingerprint().toUpperCase(),
    }));
    made.set(email, key);
  }
  return key;
}
