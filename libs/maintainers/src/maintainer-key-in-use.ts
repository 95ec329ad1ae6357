import { EntityManager } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { KeyClaims } from './key-claims';

/**
 * A key signs for one person only: the relay tells a maintainer's post from a member's by the
 * signing key (README "Posting to the list"), so a key already a member's or another maintainer's
 * (whatever its status), or barred after a confirmed leak (KeyClaims), is refused. The refusal
 * names no one.
 */
export async function assertMaintainerKeyFree(
  manager: EntityManager,
  fingerprint: string,
  maintainerId: string | null,
  claims: KeyClaims,
): Promise<void> {
  const value = fingerprint.replace(/\s+/g, '').toUpperCase();
  const taken = (await manager.query(
    `SELECT 1 FROM maintainer WHERE upper(key_fingerprint) = $1 AND ($2::uuid IS NULL OR id <> $2::uuid) LIMIT 1`,
    [value, maintainerId],
  )) as unknown[];
  if (taken.length || (await claims.anyClaims(manager, value))) {
    throw new DomainError(
      'INVALID_INPUT',
      'This key is already in use on the list (by a member or another maintainer) and cannot be used here. ' +
        'Use a key of the maintainer’s own.',
      'key',
    );
  }
}
