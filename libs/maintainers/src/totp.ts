import { Secret, TOTP } from 'otpauth';

/**
 * RFC 6238 TOTP as every authenticator app implements it: HMAC-SHA1, 6 digits, 30 s steps.
 * Codes are accepted one step either side of now, for clock drift and typing time.
 */
const PERIOD = 30;
const WINDOW = 1;

export function newTotpSecret(): string {
  // otpauth's Secret draws from node:crypto randomBytes; 20 bytes is RFC 4226's recommended size.
  return new Secret({ size: 20 }).base32;
}

export function totpOf(secretBase32: string, issuer = 'Cordon', label = 'maintainer'): TOTP {
  return new TOTP({
    issuer,
    label,
    secret: Secret.fromBase32(secretBase32),
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD,
  });
}

export type CodeVerdict = { ok: true; step: number } | { ok: false; reason: 'wrong_code' | 'replayed_code' };

/**
 * Checks a code and refuses one whose time step is not after the last accepted step: a code seen
 * over someone's shoulder or in a proxy log cannot be used again (RFC 6238 section 5.2).
 */
export function checkCode(secretBase32: string, code: string, lastStep: number | null, now = Date.now()): CodeVerdict {
  const totp = totpOf(secretBase32);
  const delta = totp.validate({ token: code, timestamp: now, window: WINDOW });
  if (delta === null) return { ok: false, reason: 'wrong_code' };
  const step = totp.counter({ timestamp: now }) + delta;
  if (lastStep !== null && step <= lastStep) return { ok: false, reason: 'replayed_code' };
  return { ok: true, step };
}

/** Strips the spaces apps show in the middle of a code ("123 456"). */
export function normaliseCode(code: string): string {
  return code.replace(/\s+/g, '');
}
