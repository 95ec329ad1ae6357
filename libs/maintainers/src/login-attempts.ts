import { EntityManager } from 'typeorm';
import { Maintainer } from './maintainer.entity';

/** How long an account stays locked after LOGIN_MAX_ATTEMPTS failures (OWASP ASVS 2.2.1). */
export const LOCK_MINUTES = 15;

export function isLocked(maintainer: Maintainer, now: Date): boolean {
  return maintainer.lockedUntil !== null && maintainer.lockedUntil.getTime() > now.getTime();
}

/**
 * Counts a failed password or TOTP attempt and locks the account when the count reaches the limit.
 * After a lock runs out, counting starts again from zero. Attempts while locked are not counted
 * and do not extend the lock, so a stranger cannot keep a maintainer locked out indefinitely by
 * guessing at a steady pace beyond what the throttle already stops.
 */
export async function recordFailure(manager: EntityManager, maintainer: Maintainer, maxAttempts: number, now: Date) {
  const lockRanOut = maintainer.lockedUntil !== null && !isLocked(maintainer, now);
  const failedLogins = (lockRanOut ? 0 : maintainer.failedLogins) + 1;
  let lockedUntil = lockRanOut ? null : maintainer.lockedUntil;
  if (failedLogins >= maxAttempts) lockedUntil = new Date(now.getTime() + LOCK_MINUTES * 60_000);
  await manager.update(Maintainer, { id: maintainer.id }, { failedLogins, lockedUntil });
  return { failedLogins, locked: lockedUntil !== null };
}

/** A complete login (password and code) clears the count; a correct password alone does not. */
export async function recordSuccess(manager: EntityManager, maintainerId: string): Promise<void> {
  await manager.update(Maintainer, { id: maintainerId }, { failedLogins: 0, lockedUntil: null });
}

/** The maintainer row, locked for the rest of the transaction so concurrent attempts count one by one. */
export function lockMaintainer(manager: EntityManager, id: string): Promise<Maintainer | null> {
  return manager.findOne(Maintainer, { where: { id }, lock: { mode: 'pessimistic_write' } });
}
