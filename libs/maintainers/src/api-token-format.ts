import { hashToken, newToken } from '@cordon/crypto';

// A recognisable prefix lets secret scanners (and people) tell a leaked Cordon token on sight.
const PREFIX = 'cordon_';
const SHAPE = /^cordon_[A-Za-z0-9_-]{43}$/;

/** A new API token (256 bits from the CSPRNG) and the hash that is all the database keeps. */
export function newApiToken(): { token: string; hash: string } {
  const token = PREFIX + newToken().token;
  return { token, hash: hashToken(token) };
}

/** The stored hash of a presented token, or null when it cannot be one of ours. */
export function apiTokenHash(presented: string): string | null {
  return SHAPE.test(presented) ? hashToken(presented) : null;
}
