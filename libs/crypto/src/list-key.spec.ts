/**
 * The list key on a real database: made once, kept encrypted at rest (docs/architecture.md, invariant 6),
 * usable by GnuPG peers, and importable from GnuPG under the same key policy as members' keys.
 */
import { randomBytes } from 'node:crypto';
import { createMessage, decrypt, readMessage, readPrivateKey, sign } from 'openpgp';
import { DataSource } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { openTestDatabase, TestDatabase } from '../../../test/support/database';
import { GpgHome } from '../../../test/support/gpg';
import { testSettings } from '../../../test/support/settings';
import { inspectPublicKey } from './key-policy';
import { ListKey } from './list-key';
import { openpgpConfig } from './openpgp-config';
import { ServerSecret } from './server-secret';

let db: TestDatabase;
let ds: DataSource;
let owner: GpgHome; // where an operator made keys with GnuPG
let peer: GpgHome; // a member's GnuPG, which has never seen those keys
const fpr: Record<string, string> = {};

beforeAll(async () => {
  db = await openTestDatabase();
  ds = db.database.dataSource;
  owner = GpgHome.create();
  peer = GpgHome.create();
  fpr.good = await owner.generateKey('old-list@example.org');
  fpr.protected = await owner.generateKey('locked-list@example.org', { passphrase: 'correct horse' });
  fpr.sha1 = await owner.sha1Key('legacy-list@example.org');
  fpr.expired = await owner.expiredKey('lapsed-list@example.org');
  fpr.revokedSha1 = await owner.sha1Key('revoked-list@example.org');
  await owner.revoke(fpr.revokedSha1);
});

afterAll(async () => {
  await owner.cleanup();
  await peer.cleanup();
  await db.drop();
});

beforeEach(() => ds.query('DELETE FROM list_key'));

function aListKey(secret = ServerSecret.fromBytes(randomBytes(32))): ListKey {
  return new ListKey(ds, testSettings({ DATA_DIR: db.dataDir }), secret);
}

async function refused(promise: Promise<unknown>, code: string): Promise<DomainError> {
  const error = await promise.then(
    () => new Error(`expected ${code}, but it was accepted`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect(error).toMatchObject({ code });
  return error as DomainError;
}

const storedRows = () => ds.query<{ fingerprint: string }[]>('SELECT fingerprint FROM list_key');

describe('ListKey.ensure', () => {
  it('creates the key once; a second call keeps it', async () => {
    const listKey = aListKey();
    const first = await ds.transaction((m) => listKey.ensure(m));
    const second = await ds.transaction((m) => listKey.ensure(m));
    expect(first).toEqual({ fingerprint: expect.stringMatching(/^[0-9A-F]{40}$/), created: true });
    expect(second).toEqual({ fingerprint: first.fingerprint, created: false });
    expect(await storedRows()).toHaveLength(1);
    // It passes the policy we hold members' keys to, with a user ID for the list address.
    const { details } = await inspectPublicKey(await listKey.armoredPublicKey(), {
      requireAddress: 'distributors@example.org',
    });
    expect(details.fingerprint).toBe(first.fingerprint);
  });

  it('keeps the secret key encrypted at rest: the database alone does not yield it', async () => {
    const secret = ServerSecret.fromBytes(randomBytes(32));
    await ds.transaction((m) => aListKey(secret).ensure(m));
    const [row] = await ds.query<{ encrypted_private_key: string }[]>('SELECT encrypted_private_key FROM list_key');
    const stored = await readPrivateKey({ armoredKey: row.encrypted_private_key });
    expect(stored.isDecrypted()).toBe(false);
    // No secret parameter of the real key appears anywhere in the stored bytes.
    const storedBytes = Buffer.from(stored.write());
    const unlocked = await aListKey(secret).secretKey();
    for (const { keyPacket } of unlocked.getKeys()) {
      // privateParams is not in OpenPGP.js's declarations; it holds the cleartext secret values.
      const params = (keyPacket as unknown as { privateParams: Record<string, Uint8Array> }).privateParams;
      for (const value of Object.values(params)) expect(storedBytes.includes(Buffer.from(value))).toBe(false);
    }
    // Another server secret (another passphrase) cannot open it.
    await expect(aListKey().secretKey()).rejects.toThrow(/passphrase/i);
  });

  it('signs what GnuPG verifies, and opens what GnuPG encrypts to it', async () => {
    const listKey = aListKey();
    const { fingerprint } = await ds.transaction((m) => listKey.ensure(m));
    await peer.importKey(await listKey.armoredPublicKey());
    const signed = await sign({
      message: await createMessage({ text: 'Policy v2 is in force.\n' }),
      signingKeys: await listKey.secretKey(),
      config: openpgpConfig,
    });
    const opened = await peer.decrypt(signed);
    expect(opened).toMatchObject({ goodSignature: true, signerFingerprint: fingerprint });
    expect(opened.plaintext.toString()).toBe('Policy v2 is in force.\n');

    const memberFpr = await peer.generateKey('member@example.org');
    const post = await peer.encryptAndSign('to the list', [fingerprint], memberFpr);
    const { data } = await decrypt({
      message: await readMessage({ armoredMessage: post }),
      decryptionKeys: await listKey.secretKey(),
      config: openpgpConfig,
    });
    expect(data).toBe('to the list');
  });
});

describe('ListKey.importSecret', () => {
  const importKey = (listKey: ListKey, key: string | Uint8Array, options = {}) =>
    ds.transaction((m) => listKey.importSecret(m, key, { recertify: false, ...options }));

  it('adopts a GnuPG ed25519 secret key', async () => {
    const listKey = aListKey();
    expect(await importKey(listKey, await owner.exportSecret(fpr.good))).toBe(fpr.good);
    expect((await listKey.secretKey()).getFingerprint().toUpperCase()).toBe(fpr.good);
    expect(await storedRows()).toEqual([{ fingerprint: fpr.good }]);
  });

  it('adopts a passphrase-protected secret key given its passphrase, and only then', async () => {
    const armored = await owner.exportSecret(fpr.protected, 'correct horse');
    const listKey = aListKey();
    await refused(importKey(listKey, armored), 'INVALID_INPUT');
    await refused(importKey(listKey, armored, { passphrase: 'wrong' }), 'INVALID_INPUT');
    expect(await storedRows()).toEqual([]);
    expect(await importKey(listKey, armored, { passphrase: 'correct horse' })).toBe(fpr.protected);
    // Stored under our own passphrase, not the operator's.
    expect((await listKey.secretKey()).isDecrypted()).toBe(true);
  });

  it('refuses a public key, which cannot sign or decrypt for the list', async () => {
    const error = await refused(importKey(aListKey(), await owner.exportPublic(fpr.good)), 'KEY_NOT_SECRET');
    expect(error.message).toContain('--export-secret-keys');
    expect(await storedRows()).toEqual([]);
  });

  it('refuses an expired key', async () => {
    await refused(importKey(aListKey(), await owner.exportSecret(fpr.expired)), 'KEY_EXPIRED');
    expect(await storedRows()).toEqual([]);
  });

  it('refuses a SHA-1 key without --recertify, explaining both fixes', async () => {
    const error = await refused(importKey(aListKey(), await owner.exportSecret(fpr.sha1)), 'KEY_SHA1_SELF_SIGNATURE');
    expect(error.message).toContain(`--quick-set-expire ${fpr.sha1} 0`);
    expect(error.message).toContain(`--quick-set-expire ${fpr.sha1} 0 '*'`);
    expect(error.message).toContain('--recertify');
    expect(await storedRows()).toEqual([]);
  });

  it('re-signs a SHA-1 key with --recertify, keeping its fingerprint, in a form GnuPG accepts', async () => {
    const listKey = aListKey();
    expect(await importKey(listKey, await owner.exportSecret(fpr.sha1), { recertify: true })).toBe(fpr.sha1);
    const armored = await listKey.armoredPublicKey();
    const packets = await peer.listPackets(armored);
    expect(packets).not.toMatch(/digest algo [12],/); // neither MD5 nor SHA-1
    expect(packets).toMatch(/digest algo (8|9|10|11),/); // SHA-256, -384, -512, -224
    await expect(inspectPublicKey(armored)).resolves.toMatchObject({ details: { fingerprint: fpr.sha1 } });
    // A GnuPG peer that never saw the old key takes the new one and can write to it.
    await peer.importKey(armored);
    const me = await peer.generateKey('peer@example.org');
    const post = await peer.encryptAndSign('hello list', [fpr.sha1], me);
    const { data } = await decrypt({
      message: await readMessage({ armoredMessage: post }),
      decryptionKeys: await listKey.secretKey(),
      config: openpgpConfig,
    });
    expect(data).toBe('hello list');
  });

  it('refuses to recertify a revoked SHA-1 key back to life', async () => {
    const error = await refused(
      importKey(aListKey(), await owner.exportSecret(fpr.revokedSha1), { recertify: true }),
      'KEY_REVOKED',
    );
    expect(error.message).toMatch(/revocation/);
    expect(await storedRows()).toEqual([]);
  });

  it('refuses to replace the existing list key unless asked, and leaves it in place', async () => {
    const listKey = aListKey();
    const { fingerprint } = await ds.transaction((m) => listKey.ensure(m));
    await refused(importKey(listKey, await owner.exportSecret(fpr.good)), 'ALREADY_EXISTS');
    expect(await storedRows()).toEqual([{ fingerprint }]);
    expect(await importKey(listKey, await owner.exportSecret(fpr.good), { replace: true })).toBe(fpr.good);
    expect(await storedRows()).toEqual([{ fingerprint: fpr.good }]);
    expect((await listKey.secretKey()).getFingerprint().toUpperCase()).toBe(fpr.good);
  });

  it('takes a binary secret key as well as an armored one', async () => {
    const binary = (await owner.must(['--export-secret-keys', fpr.good])).stdout;
    expect(await importKey(aListKey(), new Uint8Array(binary))).toBe(fpr.good);
  });
});
