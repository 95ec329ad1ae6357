import { EntityManager } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { normalisedBanValue } from '../bans/bans';

/**
 * A key may belong to one member only (whatever that member's status), and a key barred after a
 * confirmed leak (a `fingerprint` ban) never comes back. The refusal says neither which of the two
 * it is nor whose key it is.
 */
export async function assertKeyFree(manager: EntityManager, memberId: string, fingerprint: string): Promise<void> {
  const value = normalisedBanValue('fingerprint', fingerprint);
  const taken = (await manager.query(
    `SELECT 1 FROM member WHERE upper(key_fingerprint) = $1 AND id <> $2
     UNION ALL
     SELECT 1 FROM ban WHERE kind = 'fingerprint' AND value = $1
     LIMIT 1`,
    [value, memberId],
  )) as unknown[];
  if (taken.length) {
    throw new DomainError(
      'INVALID_INPUT',
      'This key cannot be used for your membership. Make a new key of your own, or ask the maintainers.',
      'key',
    );
  }
}
