import { Inject, Injectable } from '@nestjs/common';
import {
  decryptKey,
  encryptKey,
  generateKey,
  Key,
  PrivateKey,
  PublicKey,
  readKey,
  readPrivateKey,
  reformatKey,
} from 'openpgp';
import { DataSource, EntityManager } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { DomainError } from '@cordon/errors';
import { checkKey, fullOpenpgpConfig, readOneKey, sha1SelfSignature } from './key-policy';
import { ListKeyRecord } from './list-key.entity';
import { openpgpConfig } from './openpgp-config';
import { ServerSecret } from './server-secret';

export const SERVER_SECRET = Symbol('SERVER_SECRET');

export interface ListKeyImport {
  /** If the key's self-signatures use SHA-1, re-sign them with SHA-256 or better (the fingerprint stays). */
  recertify: boolean;
  /** The passphrase that protects the imported secret key, if any. */
  passphrase?: string;
  /** Replace the key this list already has. */
  replace?: boolean;
}

// Both `list-key import` and `import` (README, Moving from Schleuder) take --recertify: the hint
// names the option, not one of the commands, so that it is right for whichever one was run.
const RECERTIFY_HINT = ', or run the same command again with `--recertify` (Cordon re-signs it the same way)';

/**
 * The list's key pair. Created by `cordon init` (EdDSA/cv25519 "curve25519Legacy", which GnuPG 2.2
 * reads, unlike v6 keys), stored with its secret part encrypted under a passphrase derived from
 * the server secret, so the database alone never yields it (docs/architecture.md, invariant 6).
 */
@Injectable()
export class ListKey {
  // Kept with the armor they were read from: see secretKey().
  private signer?: { armored: string; key: PrivateKey };
  private publicKey?: { armored: string; key: PublicKey };

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(SERVER_SECRET) private readonly secret: ServerSecret,
  ) {}

  private passphrase(): string {
    return this.secret.derive('list-key-passphrase').toString('base64url');
  }

  async find(manager: EntityManager = this.dataSource.manager): Promise<ListKeyRecord | null> {
    return manager.findOne(ListKeyRecord, { where: { id: 1 } });
  }

  /** Creates the list key if there is none. Returns its fingerprint and whether it was created now. */
  async ensure(manager: EntityManager): Promise<{ fingerprint: string; created: boolean }> {
    const existing = await this.find(manager);
    if (existing) return { fingerprint: existing.fingerprint, created: false };
    const { privateKey } = await generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ name: this.settings.LIST_NAME, email: this.settings.LIST_ADDRESS }],
      passphrase: this.passphrase(),
      format: 'object',
      config: openpgpConfig,
    });
    return { fingerprint: await this.store(manager, privateKey), created: true };
  }

  /**
   * Adopts an existing secret key as the list key (moving from GnuPG or Schleuder), under the same
   * key policy as members' keys. Returns its fingerprint.
   */
  async importSecret(manager: EntityManager, input: string | Uint8Array, options: ListKeyImport): Promise<string> {
    const key = await acceptable(await unlock(await readSecretKey(input), options.passphrase), options.recertify);
    if (!options.replace && (await this.find(manager))) {
      throw new DomainError(
        'ALREADY_EXISTS',
        'This list already has a key. Import with --replace to replace it; members then need the new public key.',
      );
    }
    return this.store(manager, key);
  }

  /** Stores an already-encrypted-with-our-passphrase or decrypted secret key as the list key. */
  async store(manager: EntityManager, key: PrivateKey): Promise<string> {
    const locked = key.isDecrypted()
      ? await encryptKey({ privateKey: key, passphrase: this.passphrase(), config: openpgpConfig })
      : key;
    const fingerprint = key.getFingerprint().toUpperCase();
    await manager.save(ListKeyRecord, {
      id: 1,
      fingerprint,
      publicKey: key.toPublic().armor(fullOpenpgpConfig()),
      encryptedPrivateKey: locked.armor(fullOpenpgpConfig()),
      createdAt: new Date(),
    });
    this.signer = undefined;
    this.publicKey = undefined;
    return fingerprint;
  }

  /**
   * Callers inside a transaction pass its manager: on the embedded database (one connection) a
   * read through the DataSource would wait forever behind that very transaction.
   */
  async armoredPublicKey(manager?: EntityManager): Promise<string> {
    return (await this.require(manager)).publicKey;
  }

  async public(): Promise<PublicKey> {
    const armored = await this.armoredPublicKey();
    if (this.publicKey?.armored !== armored) {
      this.publicKey = { armored, key: await readKey({ armoredKey: armored, config: openpgpConfig }) };
    }
    return this.publicKey.key;
  }

  /**
   * The decrypted secret key, for signing and for opening posts. Kept in memory only, and only
   * while it is the stored one: the stored key is read each time (one row), because
   * `cordon list-key import` or `cordon import` may replace it while the service runs, from
   * another process on PostgreSQL or from another module's instance of this class beside it.
   */
  async secretKey(manager?: EntityManager): Promise<PrivateKey> {
    const { encryptedPrivateKey: armored } = await this.require(manager);
    if (this.signer?.armored !== armored) {
      const locked = await readPrivateKey({ armoredKey: armored, config: openpgpConfig });
      const key = await decryptKey({ privateKey: locked, passphrase: this.passphrase(), config: openpgpConfig });
      this.signer = { armored, key };
    }
    return this.signer.key;
  }

  private async require(manager?: EntityManager): Promise<ListKeyRecord> {
    const record = await this.find(manager);
    if (!record) throw new DomainError('LIST_KEY_MISSING', 'The list has no key yet: run `npm run cli -- init`.');
    return record;
  }
}

async function readSecretKey(input: string | Uint8Array): Promise<PrivateKey> {
  const key = await readOneKey(input);
  if (!key.isPrivate()) {
    throw new DomainError(
      'KEY_NOT_SECRET',
      'This is only a public key. Import the secret key: `gpg --armor --export-secret-keys FINGERPRINT`.',
      'key',
    );
  }
  // gpg exports a stub ("gnu-dummy") for secret parts kept offline or on a smartcard.
  if (key.getKeys().some(({ keyPacket }) => 'isDummy' in keyPacket && keyPacket.isDummy())) {
    throw new DomainError(
      'KEY_NOT_SECRET',
      'Some secret parts of this key are missing (kept offline or on a smartcard). Export the complete secret key.',
      'key',
    );
  }
  return key;
}

async function unlock(key: PrivateKey, passphrase: string | undefined): Promise<PrivateKey> {
  if (key.getKeys().every(({ keyPacket }) => keyPacket.isDecrypted())) return key;
  if (passphrase === undefined) {
    throw new DomainError(
      'INVALID_INPUT',
      'The secret key is protected by a passphrase: give it (--passphrase-file).',
      'passphrase',
    );
  }
  try {
    return await decryptKey({ privateKey: key, passphrase, config: openpgpConfig });
  } catch {
    throw new DomainError('INVALID_INPUT', 'The passphrase does not unlock this secret key.', 'passphrase');
  }
}

/** Applies the key policy; a SHA-1-signed key is re-signed only when the operator asked for it. */
async function acceptable(key: PrivateKey, recertify: boolean): Promise<PrivateKey> {
  try {
    await checkKey(key, { allowSecret: true });
    return key;
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== 'KEY_SHA1_SELF_SIGNATURE') throw error;
    if (!recertify) throw sha1SelfSignature(key.getFingerprint().toUpperCase(), RECERTIFY_HINT);
  }
  const resigned = await resign(key);
  await checkKey(resigned, { allowSecret: true });
  return resigned;
}

/**
 * New self-signatures over the same key packets, so a v4 fingerprint is unchanged. reformatKey
 * drops every revocation, so a key carrying one (perhaps SHA-1 itself, and so not verifiable) is
 * refused rather than silently brought back to life. The user IDs and the expiry are read from the
 * old self-signatures without verifying them: they are the owner's own, and may be SHA-1.
 */
async function resign(key: PrivateKey): Promise<PrivateKey> {
  if (key.revocationSignatures.length > 0 || key.subkeys.some((s) => s.revocationSignatures.length > 0)) {
    throw new DomainError('KEY_REVOKED', 'This key carries a revocation signature, so it cannot be re-signed.', 'key');
  }
  const userIDs = key.users.flatMap(({ userID }) =>
    userID ? [{ name: userID.name, email: userID.email, comment: userID.comment }] : [],
  );
  const { privateKey } = await reformatKey({
    privateKey: key,
    userIDs,
    keyExpirationTime: keyExpirationSeconds(key),
    format: 'object',
    config: openpgpConfig,
  });
  return privateKey;
}

/** Seconds from creation to expiry in the newest self-signature; 0: never expires. */
function keyExpirationSeconds(key: Key): number {
  const newest = key.users
    .flatMap((user) => user.selfCertifications)
    .sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0))[0];
  return newest && !newest.keyNeverExpires ? (newest.keyExpirationTime ?? 0) : 0;
}
