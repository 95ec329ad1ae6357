/**
 * MemberKey, what the relay keeps of a member's key instead of the parsed key (issue 15): against
 * keys made by real GnuPG 2.2, its verdict at any date is the parsed key's (`canEncryptAt`), also
 * at dates after the one it was read at (a key that expires while the relay runs is refused then),
 * and it hands out the same encryption key packet OpenPGP.js picks.
 */
import { PublicKey } from 'openpgp';
import { GpgHome } from '../../../test/support/gpg';
import { fullOpenpgpConfig, readOneKey } from './key-policy';
import { canEncryptAt, MemberKey } from './member-key';

let gpg: GpgHome;
const armored: Record<string, string> = {};
const DAY = 24 * 3600 * 1000;

beforeAll(async () => {
  gpg = GpgHome.create();
  const fpr: Record<string, string> = {};
  fpr.expiresIn2y = await gpg.generateKey('alice@example.org', { expire: '2y' });
  fpr.rsa3072 = await gpg.generateKey('bob@example.org', { algo: 'rsa3072' });
  fpr.expired = await gpg.expiredKey('old@example.org');
  fpr.revoked = await gpg.generateKey('gone@example.org');
  await gpg.revoke(fpr.revoked);
  fpr.signOnly = await gpg.signOnlyKey('signer@example.org');
  for (const [name, fingerprint] of Object.entries(fpr)) armored[name] = await gpg.exportPublic(fingerprint);
  // After the keys were made (GnuPG dates them to the second).
  now = new Date(Date.now() + 2000);
}, 120_000);

afterAll(() => gpg.cleanup());

let now: Date;
const datesAround = (now: Date) => [
  new Date(now.getTime() - 3 * 365 * DAY), // before any of the keys was made
  now,
  new Date(now.getTime() + 400 * DAY),
  new Date(now.getTime() + 3 * 365 * DAY), // after the 2-year key expired
  new Date(now.getTime() + 30 * DAY),
];

describe('MemberKey', () => {
  it.each(['expiresIn2y', 'rsa3072', 'expired', 'revoked', 'signOnly'])(
    'judges a %s key as the parsed key does, at every date, in any order',
    async (name) => {
      const parsed = (await readOneKey(armored[name])) as PublicKey;
      const key = await MemberKey.read(armored[name], now);
      expect(key.fingerprint).toBe(parsed.getFingerprint().toUpperCase());
      expect(key.armor()).toBe(armored[name]);
      for (const date of datesAround(now)) {
        const expected = await canEncryptAt(parsed, date);
        expect(await key.canEncryptAt(date)).toBe(expected);
        if (expected === true) {
          const subkey = await parsed.getEncryptionKey(undefined, date, undefined, fullOpenpgpConfig());
          expect((await key.encryptionPacketAt(date)).getFingerprint()).toBe(subkey.getFingerprint());
        } else {
          await expect(key.encryptionPacketAt(date)).rejects.toThrow();
        }
      }
    },
  );

  it('refuses a key that expires after it was read, from its expiry on', async () => {
    const key = await MemberKey.read(armored.expiresIn2y, now);
    expect(await key.canEncryptAt(now)).toBe(true);
    const later = new Date(now.getTime() + 3 * 365 * DAY);
    expect(await key.canEncryptAt(later)).toBe('key_expired');
    await expect(key.encryptionPacketAt(later)).rejects.toThrow();
  });

  it('keeps the parsed key only where OpenPGP.js makes the key packet (not cv25519)', async () => {
    const rsa = await MemberKey.read(armored.rsa3072, now);
    expect(await rsa.parsed()).toBe(await rsa.parsed());
    const cv25519 = await MemberKey.read(armored.expiresIn2y, now);
    expect(await cv25519.parsed()).not.toBe(await cv25519.parsed());
  });

  it('refuses text that is not a key', async () => {
    await expect(MemberKey.read('not a key')).rejects.toThrow();
  });
});
