import { argon2id, hash, verify } from 'argon2';
import { DomainError } from '@cordon/errors';

// NIST SP 800-63B 3.1.1.2: length is what makes a password strong; no composition rules.
// The upper bound keeps a hostile request from feeding argon2 megabytes.
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 200;

const lengthOf = (password: string) => [...password].length;

export function checkPasswordPolicy(password: string): void {
  const length = lengthOf(password);
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
    throw new DomainError(
      'INVALID_INPUT',
      `Choose a password of ${PASSWORD_MIN} to ${PASSWORD_MAX} characters; a few unrelated words make a good one.`,
      'password',
    );
  }
}

/** argon2id with the library's defaults (64 MiB, t=3, p=4), above OWASP's minimum. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, { type: argon2id });
}

// Verified against when there is no usable hash (unknown address, locked account), so a refusal
// takes as long as a wrong password and timing does not tell which one it was.
let decoy: Promise<string> | undefined;

/** True only when `stored` is a real hash and the password matches it. */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  decoy ??= hashPassword('decoy password, never matched');
  const usable = stored !== null && lengthOf(password) <= PASSWORD_MAX;
  try {
    const matches = await verify(usable ? stored : await decoy, usable ? password : '');
    return usable && matches;
  } catch {
    return false; // a malformed stored hash refuses; it does not crash the login
  }
}
