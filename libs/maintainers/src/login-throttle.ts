import { isIPv6 } from 'node:net';
import { EntityManager } from 'typeorm';
import { Maintainer } from './maintainer.entity';

/**
 * Failed logins slow down the (account, address) pair they come from; they never lock the
 * account (issue 10, item 6). A lock for everyone let a stranger keep a maintainer out for good
 * with a few guesses every 15 minutes; per pair, the stranger waits and the maintainer, from its
 * own address, logs in at once. The first LOGIN_MAX_ATTEMPTS - 1 failures of a pair are free;
 * from the LOGIN_MAX_ATTEMPTS-th on, the next attempt from that pair is not even checked for
 * 1, 2, 4, … seconds, up to MAX_WAIT_SECONDS. With the per-address request throttle (10 a minute)
 * in front, an address gets a handful of guesses an hour once it has failed a dozen times.
 */
export const MAX_WAIT_SECONDS = 15 * 60;

/** A pair that has not failed for this long starts again from nothing. */
export const FORGET_AFTER_MS = 24 * 60 * 60_000;

/** The client's address as the slow-down counts it: IPv6 by its /64, which one subscriber gets whole. */
export function throttleAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (!isIPv6(address)) return address;
  const [head, tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** Seconds to wait after a pair's `failures`-th failure; 0 while its failures are still free. */
export function waitAfter(failures: number, freeAttempts: number): number {
  if (failures < freeAttempts) return 0;
  return Math.min(2 ** Math.min(failures - freeAttempts, 30), MAX_WAIT_SECONDS);
}

interface PairRow {
  failures: number;
  not_before: Date | null;
  last_failed_at: Date;
}

/**
 * When the pair may try again, or null when it may try now. Called with the maintainer row locked
 * (lockMaintainer), so attempts on one account are counted one at a time, by any web process.
 */
export async function waitingUntil(
  manager: EntityManager,
  maintainerId: string,
  address: string,
  now: Date,
): Promise<Date | null> {
  const pair = await readPair(manager, maintainerId, address);
  return pair?.not_before && pair.not_before.getTime() > now.getTime() ? pair.not_before : null;
}

/** Counts a failed password or code from the pair, and sets how long the pair must wait now. */
export async function recordFailure(
  manager: EntityManager,
  maintainerId: string,
  address: string,
  step: 'password' | 'code',
  freeAttempts: number,
  now: Date,
): Promise<{ failures: number; waitSeconds: number }> {
  const pair = await readPair(manager, maintainerId, address);
  const forgotten = !pair || now.getTime() - pair.last_failed_at.getTime() > FORGET_AFTER_MS;
  const failures = (forgotten ? 0 : pair.failures) + 1;
  const waitSeconds = waitAfter(failures, freeAttempts);
  const notBefore = waitSeconds ? new Date(now.getTime() + waitSeconds * 1000) : null;
  await manager.query(
    `INSERT INTO login_throttle AS t (maintainer_id, address, failures, not_before, last_failed_at,
       unreported_passwords, unreported_codes, first_unreported_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $5)
     ON CONFLICT (maintainer_id, address) DO UPDATE SET
       failures = $3, not_before = $4, last_failed_at = $5,
       unreported_passwords = t.unreported_passwords + $6,
       unreported_codes = t.unreported_codes + $7,
       first_unreported_at = coalesce(t.first_unreported_at, $5)`,
    [maintainerId, address, failures, notBefore, now, step === 'password' ? 1 : 0, step === 'code' ? 1 : 0],
  );
  return { failures, waitSeconds };
}

/**
 * A complete login (password and code) clears its pair's count; a correct password alone does
 * not. What the maintainer has not been told yet is kept for the next notice.
 */
export async function recordSuccess(manager: EntityManager, maintainerId: string, address: string): Promise<void> {
  await manager.query(
    `DELETE FROM login_throttle WHERE maintainer_id = $1 AND address = $2
       AND unreported_passwords = 0 AND unreported_codes = 0`,
    [maintainerId, address],
  );
  await manager.query(
    `UPDATE login_throttle SET failures = 0, not_before = NULL WHERE maintainer_id = $1 AND address = $2`,
    [maintainerId, address],
  );
}

/** The maintainer row, locked for the rest of the transaction so concurrent attempts count one by one. */
export function lockMaintainer(manager: EntityManager, id: string): Promise<Maintainer | null> {
  return manager.findOne(Maintainer, { where: { id }, lock: { mode: 'pessimistic_write' } });
}

async function readPair(manager: EntityManager, maintainerId: string, address: string): Promise<PairRow | undefined> {
  const rows = (await manager.query(
    `SELECT failures, not_before, last_failed_at FROM login_throttle WHERE maintainer_id = $1 AND address = $2`,
    [maintainerId, address],
  )) as PairRow[];
  return rows[0];
}
