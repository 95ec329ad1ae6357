import { createHash, createHmac } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

/**
 * The server-secret purpose the chain key is derived for (HKDF info `cordon:audit chain v1`, as
 * every key derived from the server secret is). A new version would be a new label.
 */
export const AUDIT_CHAIN_KEY_PURPOSE = 'audit chain v1';

/** The injection token of the chain key: 32 bytes from the server secret, which lives apart from the database. */
export const AUDIT_CHAIN_KEY = Symbol('AUDIT_CHAIN_KEY');

/** The chain key, from anything that derives keys from the server secret (the ServerSecret of @cordon/crypto). */
export function auditChainKey(secret: { derive(purpose: string): Buffer }): Buffer {
  return secret.derive(AUDIT_CHAIN_KEY_PURPOSE);
}

export interface ChainedFields {
  seq: string;
  at: Date;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}

/** JSON with object keys sorted at every depth, so the hash does not depend on key order in jsonb. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

function chainBody(entry: ChainedFields): string {
  return canonicalJson({
    seq: entry.seq,
    at: entry.at.toISOString(),
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    details: entry.details,
  });
}

/**
 * hash(n) = HMAC-SHA-256(key, hash(n-1) || canonical entry n): editing, deleting or reordering
 * breaks every later link, and without the key (derived from the server secret, never in the
 * database) nobody can compute the links again after such a change.
 */
export function chainHash(key: Buffer, prevHash: string, entry: ChainedFields): string {
  return createHmac('sha256', key).update(prevHash).update('\n').update(chainBody(entry)).digest('hex');
}

/**
 * The unkeyed hash Cordon wrote before the chain was keyed: SHA-256 over the same input. Anyone
 * who can write the database can compute it, so it is accepted only for the entries written
 * before the upgrade (see verify-audit-chain.ts).
 */
export function legacyChainHash(prevHash: string, entry: ChainedFields): string {
  return createHash('sha256').update(prevHash).update('\n').update(chainBody(entry)).digest('hex');
}
