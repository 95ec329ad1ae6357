import { createHash, randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';

/** How many codes a maintainer gets at enrolment and each time it makes new ones. */
export const RECOVERY_CODE_COUNT = 10;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'; // RFC 4648 base32, lower case: no 0, 1, 8 or 9 to misread

/**
 * A recovery code: 10 random bytes (80 bits) as 16 base32 letters in four groups of four,
 * "abcd-efgh-ijkm-nopq", to copy onto paper and type back in.
 */
export function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.replace(/(.{4})(?=.)/g, '$1-');
}

/**
 * The code as typed, reduced to its 16 letters: case, spaces and dashes do not matter, and the
 * digits people type for the letters they resemble (0 for o, 1 for l, 8 for b) are read as those.
 * Null when what remains cannot be a recovery code.
 */
export function normaliseRecoveryCode(typed: string): string | null {
  const code = typed
    .toLowerCase()
    .replace(/[\s-]+/g, '')
    .replace(/0/g, 'o')
    .replace(/1/g, 'l')
    .replace(/8/g, 'b');
  return /^[a-z2-7]{16}$/.test(code) ? code : null;
}

/** Whether the second login step got a recovery code rather than a 6-digit TOTP code. */
export function looksLikeRecoveryCode(typed: string): boolean {
  return normaliseRecoveryCode(typed) !== null;
}

/**
 * SHA-256, not argon2id: a recovery code carries 80 random bits (crypto.randomBytes), so even with
 * the table in hand, finding a code from its hash takes about 2^79 hashes, far beyond anyone; a
 * slow hash only guards secrets people choose, like passwords (password.ts). A fast hash also lets
 * the login look the code up by its hash in one statement instead of trying ten argon2 checks.
 * Labelled so the hash is of no use anywhere else.
 */
export function recoveryCodeHash(normalised: string): string {
  return createHash('sha256').update(`cordon maintainer recovery code\0${normalised}`).digest('hex');
}

/**
 * New codes for a maintainer, replacing every earlier one (used or not) in the caller's
 * transaction. Returns the codes in clear: the caller shows them once and keeps them nowhere.
 */
export async function issueRecoveryCodes(manager: EntityManager, maintainerId: string): Promise<string[]> {
  await eraseRecoveryCodes(manager, maintainerId);
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  const now = new Date();
  for (const code of codes) {
    await manager.query(
      'INSERT INTO maintainer_recovery_code (maintainer_id, hash, created_at, used_at) VALUES ($1, $2, $3, NULL)',
      [maintainerId, recoveryCodeHash(normaliseRecoveryCode(code) as string), now],
    );
  }
  return codes;
}

/** Removes all of a maintainer's codes; returns how many were still unused. */
export async function eraseRecoveryCodes(manager: EntityManager, maintainerId: string): Promise<number> {
  const unused = await unusedRecoveryCodes(manager, maintainerId);
  await manager.query('DELETE FROM maintainer_recovery_code WHERE maintainer_id = $1', [maintainerId]);
  return unused;
}

/**
 * Uses a code up, atomically: of two logins with the same code at once, one wins. False for a
 * code that is unknown, used already, or another maintainer's.
 */
export async function spendRecoveryCode(manager: EntityManager, maintainerId: string, typed: string): Promise<boolean> {
  const code = normaliseRecoveryCode(typed);
  if (!code) return false;
  const result = (await manager.query(
    `UPDATE maintainer_recovery_code SET used_at = $3
     WHERE maintainer_id = $1 AND hash = $2 AND used_at IS NULL RETURNING hash`,
    [maintainerId, recoveryCodeHash(code), new Date()],
  )) as [unknown[], number];
  return (result[0]?.length ?? 0) > 0;
}

export async function unusedRecoveryCodes(manager: EntityManager, maintainerId: string): Promise<number> {
  const rows = (await manager.query(
    'SELECT count(*)::int AS n FROM maintainer_recovery_code WHERE maintainer_id = $1 AND used_at IS NULL',
    [maintainerId],
  )) as { n: number }[];
  return Number(rows[0]?.n ?? 0);
}
