const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Waits after the 1st, 2nd, 3rd and 4th failed attempt; then doubling, capped at six hours. */
const FIRST_DELAYS = [1 * MINUTE, 5 * MINUTE, 15 * MINUTE, 60 * MINUTE];
export const MAX_RETRY_DELAY_MS = 6 * HOUR;

/**
 * How long a message may stay undeliverable before we give up. RFC 5321 §4.5.4.1 asks for at
 * least 4-5 days for ordinary mail; embargo mail is stale much sooner and the maintainers must
 * learn of the failure while they can still reach the member another way, so three days.
 */
export const GIVE_UP_AFTER_MS = 3 * 24 * HOUR;

export function retryDelay(attempts: number): number {
  if (attempts <= FIRST_DELAYS.length) return FIRST_DELAYS[Math.max(attempts, 1) - 1];
  const doubled = FIRST_DELAYS[FIRST_DELAYS.length - 1] * 2 ** (attempts - FIRST_DELAYS.length);
  return Math.min(doubled, MAX_RETRY_DELAY_MS);
}

/** After a temporary failure of attempt number `attempts`: when to try again, or null to give up. */
export function nextAttemptAt(attempts: number, createdAt: Date, now: Date): Date | null {
  if (now.getTime() - createdAt.getTime() >= GIVE_UP_AFTER_MS) return null;
  return new Date(now.getTime() + retryDelay(attempts));
}
