/**
 * The key policy against keys made by real GnuPG 2.2, the way members make theirs: what it
 * accepts, and for each refusal the stable code and a message that says what to do without
 * echoing the key back.
 */
import { DomainError } from '@cordon/errors';
import { GpgHome } from '../../../test/support/gpg';
import { checkKey, inspectPublicKey, readOneKey } from './key-policy';

let gpg: GpgHome;
const fpr: Record<string, string> = {};

beforeAll(async () => {
  gpg = GpgHome.create();
  fpr.good = await gpg.generateKey('alice@example.org', { expire: '2y', userId: 'Alice <alice@example.org>' });
  fpr.rsa3072 = await gpg.generateKey('bob@example.org', { algo: 'rsa3072' });
  fpr.rsa4096 = await gpg.generateKey('carol@example.org', { algo: 'rsa4096' });
  fpr.rsa2048 = await gpg.generateKey('weak@example.org', { algo: 'rsa2048' });
  fpr.expired = await gpg.expiredKey('old@example.org');
  fpr.revoked = await gpg.generateKey('gone@example.org');
  await gpg.revoke(fpr.revoked);
  fpr.signOnly = await gpg.signOnlyKey('signer@example.org');
  fpr.sha1 = await gpg.sha1Key('legacy@example.org');
});

afterAll(() => gpg.cleanup());

/** The refusal `promise` makes, checked for its code and for not echoing the key it refused. */
async function refusal(promise: Promise<unknown>, code: string, input?: string): Promise<DomainError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected ${code}, but the key was accepted`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect(error).toMatchObject({ code, field: 'key' });
  const message = (error as DomainError).message;
  expect(message).not.toMatch(/BEGIN PGP/);
  if (input) {
    const body = input.split('\n').find((line) => line.length > 40);
    if (body) expect(message).not.toContain(body);
  }
  return error as DomainError;
}

describe('checkKey / inspectPublicKey on GnuPG keys', () => {
  it('accepts an ed25519/cv25519 key and describes it', async () => {
    const armored = await gpg.exportPublic(fpr.good);
    const { details } = await inspectPublicKey(armored, { requireAddress: 'Alice@Example.org' });
    expect(details.fingerprint).toBe(fpr.good);
    expect(details.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(details.algorithm).toBe('EdDSA (Ed25519) with ECDH (Curve25519)');
    expect(details.userIds).toEqual(['Alice <alice@example.org>']);
    const inTwoYears = Date.now() + 2 * 365 * 86_400_000;
    expect(Math.abs(details.expiresAt!.getTime() - inTwoYears)).toBeLessThan(3 * 86_400_000);
    expect(details.armored).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
  });

  it.each(['rsa3072', 'rsa4096'])('accepts an %s key', async (which) => {
    const { details } = await inspectPublicKey(await gpg.exportPublic(fpr[which]));
    const bits = which.slice(3);
    expect(details.algorithm).toBe(`RSA ${bits} with RSA ${bits}`);
    expect(details.expiresAt).toBeNull();
  });

  it('accepts a binary (non-armored) key', async () => {
    const { details } = await inspectPublicKey(new Uint8Array(await gpg.exportPublic(fpr.good, false)));
    expect(details.fingerprint).toBe(fpr.good);
  });

  it('refuses an expired key', async () => {
    const armored = await gpg.exportPublic(fpr.expired);
    const error = await refusal(inspectPublicKey(armored), 'KEY_EXPIRED', armored);
    expect(error.message).toContain('2020-01-02');
    expect(error.message).toContain(`gpg --quick-set-expire ${fpr.expired} 2y`);
  });

  it('accepts an expired key once extended as the refusal says', async () => {
    const fingerprint = await gpg.expiredKey('renewed@example.org');
    const error = await refusal(inspectPublicKey(await gpg.exportPublic(fingerprint)), 'KEY_EXPIRED');
    expect(await gpg.followAdvice(error.message)).toHaveLength(2);
    const { details } = await inspectPublicKey(await gpg.exportPublic(fingerprint));
    expect(details.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 365 * 86_400_000);
  });

  it('refuses a key whose encryption subkey expired, though the primary key is current, and says how to fix it', async () => {
    const fingerprint = await gpg.expiredKey('lapsed@example.org');
    await gpg.setExpiry(fingerprint, '0', false);
    const error = await refusal(inspectPublicKey(await gpg.exportPublic(fingerprint)), 'KEY_EXPIRED');
    expect(error.message).toContain('encryption subkey expired on 2020-01-02');
    expect(await gpg.followAdvice(error.message)).toHaveLength(1);
    await expect(inspectPublicKey(await gpg.exportPublic(fingerprint))).resolves.toBeDefined();
  });

  it('refuses a revoked key', async () => {
    const armored = await gpg.exportPublic(fpr.revoked);
    await refusal(inspectPublicKey(armored), 'KEY_REVOKED', armored);
  });

  it('refuses a sign-only key with no encryption subkey', async () => {
    const armored = await gpg.exportPublic(fpr.signOnly);
    const error = await refusal(inspectPublicKey(armored), 'KEY_CANNOT_ENCRYPT', armored);
    expect(error.message).toContain('gpg --quick-add-key');
  });

  it('refuses an RSA 2048 key as weak', async () => {
    const armored = await gpg.exportPublic(fpr.rsa2048);
    const error = await refusal(inspectPublicKey(armored), 'KEY_WEAK', armored);
    expect(error.message).toMatch(/3072/);
  });

  it('refuses a key whose self-signatures use SHA-1, saying how to re-sign it', async () => {
    const armored = await gpg.exportPublic(fpr.sha1);
    // The fixture really is SHA-1: digest algo 2 in the self-signatures.
    expect(await gpg.listPackets(armored)).toMatch(/digest algo 2,/);
    const error = await refusal(inspectPublicKey(armored), 'KEY_SHA1_SELF_SIGNATURE', armored);
    expect(error.message).toContain(`--quick-set-expire ${fpr.sha1} 0`);
    expect(error.message).toContain(`--quick-set-expire ${fpr.sha1} 0 '*'`);
  });

  it.each(['ed25519', 'rsa3072'] as const)(
    'accepts an %s SHA-1 key once re-signed as the refusal says',
    async (algo) => {
      const fingerprint = await gpg.sha1Key(`resigned-${algo}@example.org`, { algo });
      const error = await refusal(inspectPublicKey(await gpg.exportPublic(fingerprint)), 'KEY_SHA1_SELF_SIGNATURE');
      expect(await gpg.followAdvice(error.message)).toHaveLength(2);
      const armored = await gpg.exportPublic(fingerprint);
      expect(await gpg.listPackets(armored)).not.toMatch(/digest algo 2,/);
      const { details } = await inspectPublicKey(armored);
      expect(details.fingerprint).toBe(fingerprint);
    },
  );

  it('refuses a pasted secret key, telling the owner to keep it', async () => {
    const secret = await gpg.exportSecret(fpr.good);
    const error = await refusal(inspectPublicKey(secret), 'KEY_IS_SECRET', secret);
    expect(error.message).toMatch(/never share/i);
  });

  it('accepts the secret key when the caller expects one (the list key import)', async () => {
    const { details } = await inspectPublicKey(await gpg.exportSecret(fpr.good), { allowSecret: true });
    expect(details.fingerprint).toBe(fpr.good);
    expect(details.armored).toMatch(/PUBLIC KEY BLOCK/);
    expect(details.armored).not.toMatch(/PRIVATE/);
  });

  it.each([
    ['garbage text', 'hello, this is my key'],
    ['a truncated armored key', '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ\n-----END PGP PUBLIC KEY BLOCK-----\n'],
    ['empty input', ''],
  ])('refuses %s as unreadable', async (_name, input) => {
    await refusal(inspectPublicKey(input), 'KEY_UNREADABLE', input);
  });

  it('refuses two keys pasted at once', async () => {
    const both = (await gpg.exportPublic(fpr.good)) + (await gpg.exportPublic(fpr.rsa3072));
    const error = await refusal(inspectPublicKey(both), 'KEY_UNREADABLE', both);
    expect(error.message).toMatch(/one/);
  });

  it('refuses two keys exported together in one block', async () => {
    const both = (await gpg.must(['--armor', '--export', fpr.good, fpr.rsa3072])).stdout.toString();
    const error = await refusal(inspectPublicKey(both), 'KEY_UNREADABLE', both);
    expect(error.message).toContain('found 2');
  });

  it('refuses a key without a user ID for the required address', async () => {
    const armored = await gpg.exportPublic(fpr.good);
    const error = await refusal(
      inspectPublicKey(armored, { requireAddress: 'mallory@example.org' }),
      'KEY_NO_MATCHING_USER_ID',
      armored,
    );
    expect(error.message).toContain('mallory@example.org');
  });

  it('does not take an address that only appears inside a user ID name', async () => {
    const trick = await gpg.generateKey('real@example.org', { userId: 'boss@example.org via <real@example.org>' });
    await refusal(
      inspectPublicKey(await gpg.exportPublic(trick), { requireAddress: 'boss@example.org' }),
      'KEY_NO_MATCHING_USER_ID',
    );
  });

  it.each(['brainpoolP256r1', 'brainpoolP384r1', 'brainpoolP512r1', 'secp256k1'] as const)(
    'refuses a %s key as an unsupported curve, not as a key without a valid self-signature',
    async (curve) => {
      const fingerprint = await gpg.generateKey(`${curve}@example.org`, { algo: curve });
      const armored = await gpg.exportPublic(fingerprint);
      const error = await refusal(inspectPublicKey(armored), 'KEY_UNSUPPORTED_CURVE', armored);
      expect(error.message).toContain(`primary key uses the ${curve} curve`);
      expect(error.message).toMatch(
        /Curve25519 \(ed25519\/cv25519.*NIST P-256, P-384 or P-521, or RSA of at least 3072 bits/,
      );
    },
  );

  it('refuses a Curve25519 key with a brainpool encryption subkey, naming the subkey', async () => {
    const fingerprint = await gpg.generateKey('mixed@example.org', { encrypt: false });
    await gpg.must(['--quick-add-key', fingerprint, 'brainpoolP256r1', 'encr', '0']);
    const armored = await gpg.exportPublic(fingerprint);
    const error = await refusal(inspectPublicKey(armored), 'KEY_UNSUPPORTED_CURVE', armored);
    expect(error.message).toMatch(/subkey [0-9A-F]{40} uses the brainpoolP256r1 curve/);
    expect(error.message).not.toContain(fingerprint);
  });

  it('checks the key at the given time: a key valid today is expired in three years', async () => {
    const key = await readOneKey(await gpg.exportPublic(fpr.good));
    await refusal(checkKey(key, { now: new Date(Date.now() + 3 * 365 * 86_400_000) }), 'KEY_EXPIRED');
  });
});
