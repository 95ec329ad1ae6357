/**
 * Whether a digest goes now (issue 11): only when something arrived that no digest has reported,
 * and at most one per MAINTAINER_DIGEST_MINUTES. After a quiet spell (no digest within the window)
 * the first new item goes at once; one arriving within the window waits for its end.
 */
export function digestDue(input: {
  newItems: number;
  lastSentAt: Date | null;
  now: Date;
  windowMinutes: number;
}): boolean {
  if (input.newItems === 0) return false;
  if (!input.lastSentAt) return true;
  return input.now.getTime() - input.lastSentAt.getTime() >= input.windowMinutes * 60_000;
}
